#include "gateway/plugin_host/plugin_library.hpp"

#include <dlfcn.h>

#include <algorithm>
#include <cstddef>
#include <cstring>
#include <fstream>
#include <optional>

namespace kq::plugin_host {
namespace {

std::string version_text(unsigned major, unsigned minor) {
  return std::to_string(major) + "." + std::to_string(minor);
}

// dlopen() says "invalid ELF header" for a text file; say what the user should check.
bool looks_like_elf(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  char magic[4] = {};
  in.read(magic, 4);
  return in.gcount() == 4 && std::memcmp(magic, "\x7f" "ELF", 4) == 0;
}

std::string copy_c(const char* s) { return s != nullptr ? std::string(s) : std::string(); }

// The field specs, walked with the element size the plugin was built with: a later SDK may have
// grown kq_field_spec, and an older one may know fewer of its fields. Returns what is wrong.
std::optional<std::string> copy_fields(const kq_plugin_info& info, std::vector<FieldSpec>& out) {
  if (info.field_count == 0) return std::nullopt;
  if (info.fields == nullptr) return "declares config fields but no table of them";
  // kq_field_spec as ABI 1.0 and 1.1 laid it out: what plugins that do not say their size have.
  constexpr std::size_t kFirstVersionSize = offsetof(kq_field_spec, enum_values) + sizeof(void*);
  const std::size_t stride = KQ_HAS_FIELD(&info, kq_plugin_info, field_spec_size) && info.field_spec_size != 0
                                 ? info.field_spec_size
                                 : kFirstVersionSize;
  if (stride < kFirstVersionSize) return "declares config fields of " + std::to_string(stride) + " bytes each, fewer than any ABI version has";
  for (std::size_t i = 0; i < info.field_count; ++i) {
    const kq_field_spec* raw = KQ_ELEMENT(kq_field_spec, info.fields, stride, i);
    kq_field_spec in{};  // fields the plugin's SDK did not have stay zero
    // Hosts before 1.2 never read struct_size here, so a plugin may have left it 0.
    const std::size_t declared = raw->struct_size != 0 ? raw->struct_size : kFirstVersionSize;
    std::memcpy(&in, raw, std::min<std::size_t>({stride, declared, sizeof(kq_field_spec)}));
    FieldSpec f;
    f.name = copy_c(in.name);
    f.type = in.type;
    f.required = in.required != 0;
    f.has_default = in.default_value != nullptr;
    f.default_value = copy_c(in.default_value);
    f.description = copy_c(in.description);
    f.has_range = in.has_range != 0;
    f.min = in.min;
    f.max = in.max;
    if (in.enum_values != nullptr) {
      for (const char* const* e = in.enum_values; *e != nullptr; ++e) f.enum_values.emplace_back(*e);
    }
    if (f.name.empty()) return std::string("declares a config field without a name");
    out.push_back(std::move(f));
  }
  return std::nullopt;
}

}  // namespace

const char* field_type_name(kq_field_type type) {
  switch (type) {
    case KQ_FIELD_STRING: return "string";
    case KQ_FIELD_INT: return "integer";
    case KQ_FIELD_BOOL: return "boolean";
    case KQ_FIELD_DURATION: return "duration";
    case KQ_FIELD_BYTES: return "bytes";
    case KQ_FIELD_PATH: return "path";
    case KQ_FIELD_ENUM: return "enum";
    case KQ_FIELD_STRING_LIST: return "string list";
  }
  return "unknown";
}

struct LibraryLoader {
  static LoadResult load(const std::string& path, const kq_host_api* host) {
    if (!looks_like_elf(path)) {
      return LoadError{path, "not a shared library (no ELF header); only plugins built with "
                             "kangqiao_add_plugin() belong in the plugin directory"};
    }
    void* handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (handle == nullptr) {
      return LoadError{path, std::string("cannot load: ") + dlerror()};
    }
    void* symbol = dlsym(handle, KQ_PLUGIN_ENTRY_SYMBOL);
    if (symbol == nullptr) {
      dlclose(handle);
      return LoadError{path, "does not export the entry symbol '" KQ_PLUGIN_ENTRY_SYMBOL
                             "'; build it with kangqiao_add_plugin() and KQ_DEFINE_PLUGIN"};
    }
    // POSIX guarantees that a data pointer from dlsym can hold a function address.
    kq_plugin_entry_fn entry;
    std::memcpy(&entry, &symbol, sizeof entry);
    const kq_plugin_info* info = entry(host);
    if (info == nullptr) {
      // Deliberately not dlclose()d: the plugin may have started something in its entry.
      return LoadError{path, "the plugin refused this gateway (ABI " +
                                 version_text(host->abi_major, host->abi_minor) +
                                 "); it needs a newer gateway"};
    }
    if (info->struct_size < offsetof(kq_plugin_info, abi_minor) + sizeof(info->abi_minor)) {
      return LoadError{path, "plugin info table is truncated (struct_size " +
                                 std::to_string(info->struct_size) + ")"};
    }
    const std::string host_version = version_text(host->abi_major, host->abi_minor);
    if (info->abi_major != host->abi_major) {
      return LoadError{path, "plugin ABI " + version_text(info->abi_major, info->abi_minor) +
                                 " is incompatible with this gateway's ABI " + host_version +
                                 " (the major version must be " + std::to_string(host->abi_major) +
                                 "); rebuild the plugin against this gateway's SDK"};
    }
    if (info->abi_minor > host->abi_minor) {
      return LoadError{path, "plugin needs ABI " + version_text(info->abi_major, info->abi_minor) +
                                 " or later, this gateway offers " + host_version +
                                 "; upgrade the gateway, or build the plugin to require at most " +
                                 host_version};
    }
    const std::size_t min_size = offsetof(kq_plugin_info, vtable) + sizeof(info->vtable);
    if (info->struct_size < min_size || info->vtable == nullptr) {
      return LoadError{path, "plugin info table has no hook table"};
    }
    if (info->name == nullptr || info->name[0] == '\0') {
      return LoadError{path, "plugin declares no name"};
    }

    auto lib = std::make_shared<PluginLibrary>();
    lib->path_ = path;
    lib->name_ = info->name;
    lib->version_ = copy_c(info->version);
    lib->description_ = copy_c(info->description);
    lib->abi_major_ = info->abi_major;
    lib->abi_minor_ = info->abi_minor;
    lib->sdk_minor_ = KQ_HAS_FIELD(info, kq_plugin_info, sdk_minor) ? info->sdk_minor : info->abi_minor;
    // Copy only what the plugin's table holds; later hooks stay null.
    std::memcpy(&lib->vtable_, info->vtable,
                std::min<std::size_t>(info->vtable->struct_size, sizeof(kq_plugin_vtable)));
    lib->vtable_.struct_size = sizeof(kq_plugin_vtable);
    const kq_plugin_vtable& vt = lib->vtable_;
    if (vt.create == nullptr || vt.destroy == nullptr || vt.on_decode == nullptr ||
        vt.on_acknowledge == nullptr) {
      return LoadError{path, "plugin '" + lib->name_ +
                                 "' leaves a required hook empty (create, destroy, on_decode "
                                 "and on_acknowledge are required)"};
    }
    if (auto error = copy_fields(*info, lib->fields_)) {
      return LoadError{path, "plugin '" + lib->name_ + "' " + *error};
    }
    return std::shared_ptr<const PluginLibrary>(std::move(lib));
  }
};

LoadResult load_plugin_library(const std::string& path, const kq_host_api* host) {
  return LibraryLoader::load(path, host);
}

}  // namespace kq::plugin_host
