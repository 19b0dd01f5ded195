// test_mllp: exercises the host's MLLP transport end to end with real MLLP clients.
// It reads just enough HL7 (MSH-10 as the message key, PID-3.1 as an identifier) to store an
// Organization record per message and answers with an HL7 ACK (AA / AE / AR). The real HL7
// semantics belong to the `his` adapter; this plugin only proves the transport.
#include <kangqiao/plugin.hpp>

#include <string>
#include <vector>

namespace {

const kq_field_spec kFields[] = {
    {sizeof(kq_field_spec), "organisation_prefix", KQ_FIELD_STRING, 0, "org-",
     "Prefix of the stored organisation ids.", 0, 0, 0, nullptr},
};

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> out(1);
  for (char c : s) {
    if (c == sep) {
      out.emplace_back();
    } else {
      out.back() += c;
    }
  }
  return out;
}

class MllpTest final : public kangqiao::Adapter {
 public:
  MllpTest(const kangqiao::Host& host, const kangqiao::Config& config)
      : prefix_(config.string("organisation_prefix").value_or("org-")) {
    host.add_mllp_route();
  }

  void decode(const kangqiao::Inbound& in, kangqiao::DecodeSink& out) override {
    const std::string msg(in.payload());
    if (msg.rfind("MSH|", 0) != 0) {
      out.reject("message does not start with MSH|");
      return;
    }
    const auto segments = split(msg, '\r');
    const auto msh = split(segments[0], '|');
    if (msh.size() < 10 || msh[9].empty()) {
      out.reject("MSH-10 (message control id) is missing");
      return;
    }
    out.set_message_key(msh[2] + "|" + msh[3] + "|" + msh[9]);
    std::string name;
    for (const auto& seg : segments) {
      if (seg.rfind("PID|", 0) == 0) {
        const auto pid = split(seg, '|');
        if (pid.size() > 3) name = split(pid[3], '^')[0];
      }
    }
    if (name.empty()) {
      out.field_error("PID-3", "patient identifier is required");
      return;
    }
    out.emit("canonical+json", R"({"kind":"organization","id":")" + prefix_ + msh[9] +
                                   R"(","name":")" + name + R"("})");
  }

  void acknowledge(const kangqiao::Inbound& in, const kangqiao::Outcome& outcome,
                   kangqiao::AckSink& out) override {
    const std::string msg(in.payload());
    const auto msh = split(split(msg, '\r')[0], '|');
    const std::string control = msh.size() > 9 ? msh[9] : "";
    std::string code = "AA";
    std::string text;
    switch (outcome.kind()) {
      case KQ_OUTCOME_COMMITTED:
      case KQ_OUTCOME_DUPLICATE: break;
      case KQ_OUTCOME_CONTENT_ERROR: code = "AE"; break;
      default: code = "AR"; text = std::string(outcome.reason()); break;
    }
    std::string ack = "MSH|^~\\&|KANGQIAO|TEST|||20260101000000||ACK|" + control + "|P|2.5\rMSA|" +
                      code + "|" + control;
    if (!text.empty()) ack += "|" + text;
    for (const auto& e : outcome.errors()) {
      ack += "\rERR|||||E|||" + std::string(kangqiao::view(e.location)) + ": " +
             std::string(kangqiao::view(e.message));
    }
    out.write(ack);
  }

 private:
  std::string prefix_;
};

}  // namespace

KQ_DEFINE_PLUGIN(MllpTest, "test_mllp", "0.0.1", "MLLP transport test plugin", kFields)
