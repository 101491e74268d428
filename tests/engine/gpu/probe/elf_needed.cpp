#include "elf_needed.h"

#include <elf.h>

#include <cstring>
#include <fstream>
#include <iterator>
#include <optional>

namespace batchscope::test {
namespace {

template <class T>
std::optional<T> read_at(const std::vector<char>& bytes, uint64_t offset) {
    if (offset > bytes.size() || bytes.size() - offset < sizeof(T)) return std::nullopt;
    T value;
    std::memcpy(&value, bytes.data() + offset, sizeof(T));  // no alignment assumptions
    return value;
}

}  // namespace

ElfNeeded read_elf_needed(const std::string& path) {
    ElfNeeded out;
    std::ifstream in(path, std::ios::binary);
    const std::vector<char> bytes{std::istreambuf_iterator<char>(in), {}};
    const auto eh = read_at<Elf64_Ehdr>(bytes, 0);
    if (!in.is_open() || !eh || std::memcmp(eh->e_ident, ELFMAG, SELFMAG) != 0 ||
        eh->e_ident[EI_CLASS] != ELFCLASS64 || eh->e_ident[EI_DATA] != ELFDATA2LSB) {
        out.error = path + ": not a readable ELF64 little-endian file";
        return out;
    }
    std::vector<Elf64_Phdr> loads;
    std::optional<Elf64_Phdr> dynamic;
    for (uint64_t i = 0; i < eh->e_phnum; ++i) {
        const auto ph = read_at<Elf64_Phdr>(bytes, eh->e_phoff + i * eh->e_phentsize);
        if (!ph) break;
        if (ph->p_type == PT_LOAD) loads.push_back(*ph);
        if (ph->p_type == PT_DYNAMIC) dynamic = ph;
    }
    if (!dynamic) return out;  // statically linked: needs nothing

    std::vector<uint64_t> name_offsets;
    std::optional<uint64_t> strtab_vaddr;
    for (uint64_t off = dynamic->p_offset; off < dynamic->p_offset + dynamic->p_filesz;
         off += sizeof(Elf64_Dyn)) {
        const auto d = read_at<Elf64_Dyn>(bytes, off);
        if (!d || d->d_tag == DT_NULL) break;
        if (d->d_tag == DT_NEEDED) name_offsets.push_back(d->d_un.d_val);
        if (d->d_tag == DT_STRTAB) strtab_vaddr = d->d_un.d_ptr;
    }
    if (name_offsets.empty()) return out;
    std::optional<uint64_t> strtab;  // DT_STRTAB is an address: map it to a file offset
    for (const auto& l : loads) {
        if (strtab_vaddr && *strtab_vaddr >= l.p_vaddr && *strtab_vaddr < l.p_vaddr + l.p_filesz)
            strtab = *strtab_vaddr - l.p_vaddr + l.p_offset;
    }
    if (!strtab) {
        out.error = path + ": dynamic string table not found";
        return out;
    }
    for (const uint64_t n : name_offsets) {
        const uint64_t at = *strtab + n;
        if (at >= bytes.size()) {
            out.error = path + ": DT_NEEDED name outside the file";
            return out;
        }
        out.needed.emplace_back(bytes.data() + at, strnlen(bytes.data() + at, bytes.size() - at));
    }
    return out;
}

}  // namespace batchscope::test
