#pragma once
// Loading plugin shared libraries and the ABI handshake.
//
// A library is opened with RTLD_NOW | RTLD_LOCAL, so an unresolved symbol fails here and not in
// the middle of a message, and two plugins cannot see each other's symbols. Libraries are never
// closed: an adapter reload creates new instances from the same code (restart to change code).
#include <memory>
#include <string>
#include <variant>
#include <vector>

#include <kangqiao/plugin.h>

namespace kq::plugin_host {

// One config field as the plugin declared it, copied out of the library.
struct FieldSpec {
  std::string name;
  kq_field_type type = KQ_FIELD_STRING;
  bool required = false;
  bool has_default = false;
  std::string default_value;
  std::string description;
  bool has_range = false;
  std::int64_t min = 0;
  std::int64_t max = 0;
  std::vector<std::string> enum_values;
};

const char* field_type_name(kq_field_type type);

// A loaded, version-checked plugin library.
class PluginLibrary {
 public:
  const std::string& path() const { return path_; }
  const std::string& name() const { return name_; }
  const std::string& version() const { return version_; }
  const std::string& description() const { return description_; }
  unsigned abi_major() const { return abi_major_; }
  // The lowest host minor the plugin works with (kq_plugin_info.abi_minor).
  unsigned abi_minor() const { return abi_minor_; }
  // The minor of the SDK header it was built with (before 1.2 plugins did not say: abi_minor).
  unsigned sdk_minor() const { return sdk_minor_; }
  const std::vector<FieldSpec>& fields() const { return fields_; }
  const kq_plugin_vtable& vtable() const { return vtable_; }

 private:
  friend struct LibraryLoader;
  std::string path_;
  std::string name_;
  std::string version_;
  std::string description_;
  unsigned abi_major_ = 0;
  unsigned abi_minor_ = 0;
  unsigned sdk_minor_ = 0;
  std::vector<FieldSpec> fields_;
  kq_plugin_vtable vtable_{};  // copied and zero-extended to the host's size
};

struct LoadError {
  std::string path;
  std::string message;  // says what is wrong and what to do about it
};

using LoadResult = std::variant<std::shared_ptr<const PluginLibrary>, LoadError>;

// Opens `path`, finds the entry symbol, performs the handshake and copies the declaration.
// The handshake compares the plugin with the ABI version `host` declares (its abi_major and
// abi_minor), which is the gateway's own except in tests that play an older host.
LoadResult load_plugin_library(const std::string& path, const kq_host_api* host);

}  // namespace kq::plugin_host
