#pragma once
// Where the loader's batch buffers come from: ordinary (pageable) memory, or page-locked memory
// that a GPU backend provides, so that its host-to-device copies can run asynchronously straight
// from the batch, with no staging copy. Buffers are allocated when a batch slot first grows and
// then reused: none is allocated per batch in steady state.
#include <cstddef>
#include <new>
#include <vector>

namespace batchscope::engine {

class HostMemory {
public:
    virtual ~HostMemory() = default;
    // Throws std::bad_alloc (or a subclass naming the reason) when it cannot.
    virtual void* allocate(size_t bytes) = 0;
    virtual void deallocate(void* p, size_t bytes) noexcept = 0;
    virtual const char* kind() const noexcept = 0;  // "pageable", "page-locked"
};

// operator new / delete.
HostMemory& pageable_memory() noexcept;

// A std::allocator that takes its memory from a HostMemory (pageable_memory() when null).
template <class T>
class HostAllocator {
public:
    using value_type = T;
    using propagate_on_container_move_assignment = std::true_type;
    using propagate_on_container_swap = std::true_type;

    HostAllocator() noexcept : mem_(&pageable_memory()) {}
    explicit HostAllocator(HostMemory* m) noexcept : mem_(m ? m : &pageable_memory()) {}
    template <class U>
    HostAllocator(const HostAllocator<U>& o) noexcept : mem_(o.memory()) {}

    T* allocate(size_t n) { return static_cast<T*>(mem_->allocate(n * sizeof(T))); }
    void deallocate(T* p, size_t n) noexcept { mem_->deallocate(p, n * sizeof(T)); }
    HostMemory* memory() const noexcept { return mem_; }

    template <class U>
    bool operator==(const HostAllocator<U>& o) const noexcept { return mem_ == o.memory(); }

private:
    HostMemory* mem_;
};

template <class T>
using HostVector = std::vector<T, HostAllocator<T>>;

}  // namespace batchscope::engine
