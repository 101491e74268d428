#pragma once
// Where the loader's batch buffers come from: ordinary (pageable) memory, or page-locked memory
// that a GPU backend provides, so that its host-to-device copies can run asynchronously straight
// from the batch, with no staging copy. Buffers are allocated when a batch slot first grows and
// then reused: none is allocated per batch in steady state.
#include <cstddef>
#include <memory>
#include <new>
#include <utility>
#include <vector>

namespace batchscope::engine {

class GpuBackend;

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

// Page-locked memory from `gpu` (GpuBackend::pinned), 64-byte aligned, for batch buffers the GPU
// uploads straight from (no staging copy on the host). Thread-safe: the loader's workers allocate
// and free through it (so only where gpu.pinned_from_any_thread(); null otherwise). `gpu` must outlive the calls to allocate(); the object must outlive every
// block it gave (destroying it frees what is left). An allocation that fails throws
// std::bad_alloc whose what() gives the plugin's reason.
std::unique_ptr<HostMemory> page_locked_memory(GpuBackend& gpu);

// Where an 8-bit pixel buffer's data starts past a 64-byte boundary. 8-bit batches are decoded
// straight into their rows, and libjpeg-turbo's SIMD colour conversion writes a scanline with
// non-temporal stores when it starts on a 32-byte boundary (as every 224 x 3-byte scanline of a
// 64-byte-aligned batch does) and with ordinary stores otherwise. The non-temporal path decoded
// ~5% slower per image on this project's machines, and a malloc'd image buffer (libjpeg-turbo's
// usual destination) gets the ordinary one: see docs/BENCHMARKS-data.md, "The loader at the
// floor that reading files sets".
inline constexpr size_t kPixelBufferOffset = 16;

// A std::allocator that takes its memory from a HostMemory (pageable_memory() when null).
// 8-bit buffers start kPixelBufferOffset bytes past the memory's 64-byte-aligned block.
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

    T* allocate(size_t n) {
        auto* p = static_cast<unsigned char*>(mem_->allocate(n * sizeof(T) + lead()));
        return reinterpret_cast<T*>(p + lead());
    }
    void deallocate(T* p, size_t n) noexcept {
        mem_->deallocate(reinterpret_cast<unsigned char*>(p) - lead(), n * sizeof(T) + lead());
    }
    HostMemory* memory() const noexcept { return mem_; }
    // resize() leaves new elements uninitialised: batch buffers are written before they are read,
    // and zeroing megabytes each time a buffer grows would cost about as much as filling it.
    template <class U, class... A>
    void construct(U* p, A&&... a) {
        if constexpr (sizeof...(A) == 0)
            ::new (static_cast<void*>(p)) U;
        else
            ::new (static_cast<void*>(p)) U(std::forward<A>(a)...);
    }

    template <class U>
    bool operator==(const HostAllocator<U>& o) const noexcept { return mem_ == o.memory(); }

private:
    static constexpr size_t lead() noexcept { return sizeof(T) == 1 ? kPixelBufferOffset : 0; }
    HostMemory* mem_;
};

template <class T>
using HostVector = std::vector<T, HostAllocator<T>>;

}  // namespace batchscope::engine
