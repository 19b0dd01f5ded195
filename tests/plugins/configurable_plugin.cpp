// A plugin with one field of each kind, for config validation and create() failure tests.
// `fail_with` makes create fail with that message; `route` is served if set.
#include <kangqiao/plugin.hpp>

#include <string>

namespace {

const char* const kModes[] = {"strict", "lenient", nullptr};

const kq_field_spec kFields[] = {
    {sizeof(kq_field_spec), "route", KQ_FIELD_STRING, 0, nullptr, "POST route to serve.", 0, 0, 0, nullptr},
    {sizeof(kq_field_spec), "port", KQ_FIELD_INT, 1, nullptr, "A required integer.", 1, 1, 65535, nullptr},
    {sizeof(kq_field_spec), "enabled", KQ_FIELD_BOOL, 0, "true", "A boolean.", 0, 0, 0, nullptr},
    {sizeof(kq_field_spec), "timeout", KQ_FIELD_DURATION, 0, "5s", "A duration.", 0, 0, 0, nullptr},
    {sizeof(kq_field_spec), "mode", KQ_FIELD_ENUM, 0, "strict", "An enumeration.", 0, 0, 0, kModes},
    {sizeof(kq_field_spec), "tags", KQ_FIELD_STRING_LIST, 0, nullptr, "A list.", 0, 0, 0, nullptr},
    {sizeof(kq_field_spec), "fail_with", KQ_FIELD_STRING, 0, nullptr, "Fail create with this.", 0, 0, 0, nullptr},
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
  }
  void decode(const kangqiao::Inbound&, kangqiao::DecodeSink& out) override {
    out.emit("canonical+json", summary_);
  }
  void acknowledge(const kangqiao::Inbound&, const kangqiao::Outcome&, kangqiao::AckSink& out) override {
    out.status(200);
    out.write(summary_);
  }

 private:
  std::string summary_;
};

}  // namespace

KQ_DEFINE_PLUGIN(Configurable, "test_configurable", "0.0.1", "Config test plugin", kFields)
