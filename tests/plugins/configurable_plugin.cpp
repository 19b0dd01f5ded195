// A plugin with one field of each kind, for config validation and create() failure tests.
// `fail_with` makes create fail with that message; `route` is served if set. Built with the
// current SDK and requiring ABI 1.0 only, it also shows what the wrapper does on older hosts.
#include <kangqiao/plugin.hpp>

#include <memory>
#include <string>

namespace {

using kangqiao::Field;

constexpr const char* kModes[] = {"strict", "lenient", nullptr};

constexpr kq_field_spec kFields[] = {
    Field::string("route").describe("POST route to serve."),
    Field::integer("port").required().range(1, 65535).describe("A required integer."),
    Field::boolean("enabled").defaults("true").describe("A boolean."),
    Field::duration("timeout").defaults("5s").describe("A duration."),
    Field::enumeration("mode", kModes).defaults("strict").describe("An enumeration."),
    Field::string_list("tags").describe("A list."),
    Field::string("fail_with").describe("Fail create with this."),
    Field::boolean("mllp").defaults("false").describe("Ask for MLLP frames (ABI 1.1), to test the wrapper's guard."),
    Field::string("fail_decode").describe("Throw this from decode: the plugin failing, not the sender."),
    Field::string("fail_acknowledge").describe("Throw this from acknowledge."),
};

class Configurable final : public kangqiao::Adapter {
 public:
  Configurable(const kangqiao::Host& host, const kangqiao::Config& config) {
    if (auto why = config.string("fail_with")) throw kangqiao::PluginError(*why);
    summary_ = "port=" + std::to_string(config.integer("port").value_or(-1)) +
               " enabled=" + (config.boolean("enabled").value_or(false) ? "true" : "false") +
               " timeout_ms=" + std::to_string(config.integer("timeout").value_or(-1)) +
               " mode=" + config.string("mode").value_or("?") + " tags=";
    for (const auto& t : config.list("tags")) summary_ += t + ",";
    // A wrong-typed read must answer "absent", not crash the host.
    if (config.string("port")) summary_ += " BUG";
    if (auto route = config.string("route")) host.add_http_route("POST", route->c_str());
    if (config.boolean("mllp").value_or(false)) host.add_mllp_route();
    fail_decode_ = config.string("fail_decode").value_or("");
    fail_acknowledge_ = config.string("fail_acknowledge").value_or("");
  }
  // What decode() leaves for acknowledge(); counts how many are alive, so a test can see that
  // the host releases every one.
  struct Seen {
    explicit Seen(std::size_t n) : bytes(n) { ++alive; }
    ~Seen() { --alive; }
    std::size_t bytes;
    static inline int alive = 0;
  };

  void decode(const kangqiao::Inbound& in, kangqiao::DecodeSink& out) override {
    if (kangqiao::host_has(2)) out.keep(std::make_unique<Seen>(in.payload().size()));
    if (!fail_decode_.empty()) throw kangqiao::PluginError(fail_decode_);
    out.emit("canonical+json", summary_);
  }
  void acknowledge(const kangqiao::Inbound&, const kangqiao::Outcome& outcome, kangqiao::AckSink& out) override {
    if (!fail_acknowledge_.empty()) throw kangqiao::PluginError(fail_acknowledge_);
    out.status(200);
    out.write(summary_);
    if (const Seen* seen = outcome.state<Seen>()) {
      out.write(" seen=" + std::to_string(seen->bytes) + " alive=" + std::to_string(Seen::alive));
    }
    for (const auto& e : outcome.errors()) out.write(" error=" + e.reason);
  }

 private:
  std::string summary_;
  std::string fail_decode_, fail_acknowledge_;
};

constexpr kangqiao::PluginInfo kInfo{
    .name = "test_configurable", .version = "0.0.1", .description = "Config test plugin", .fields = kFields};

}  // namespace

KQ_DEFINE_PLUGIN(kInfo, Configurable)
