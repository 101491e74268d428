#include "batchscope/engine/loader/host_memory.h"

namespace batchscope::engine {
namespace {

class Pageable final : public HostMemory {
public:
    void* allocate(size_t bytes) override { return ::operator new(bytes, std::align_val_t{64}); }
    void deallocate(void* p, size_t) noexcept override { ::operator delete(p, std::align_val_t{64}); }
    const char* kind() const noexcept override { return "pageable"; }
};

}  // namespace

HostMemory& pageable_memory() noexcept {
    static Pageable m;
    return m;
}

}  // namespace batchscope::engine
