#pragma once
// Checkpoints held outside the database. Whoever can write the database file can delete its last
// entries together with the checkpoints that covered them, or rewrite the whole log; a copy of
// the checkpoints kept elsewhere (the log collector, a file on other storage, a printout) still
// names the head the gateway signed, so `kangqiao audit verify --checkpoints FILE` catches both.
//
// One JSON object per line, the same in the export file and in the gateway's log (event
// "audit_checkpoint"): binary fields in base64, the key fingerprint as colon-separated hex.
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "gateway/audit/checkpoint.hpp"

namespace kq::audit {

std::string checkpoint_json(const Checkpoint& checkpoint);

// A line of the export file or of the gateway's log. std::nullopt when the line is not an
// audit_checkpoint line; `error` is set when it is one but cannot be read.
std::optional<Checkpoint> parse_checkpoint_line(std::string_view line, std::string& error);

struct CheckpointFile {
  std::vector<Checkpoint> checkpoints;
  std::vector<std::string> errors;  // "FILE:LINE: what is wrong"
};
// Every audit_checkpoint line of a file (an export file or a saved gateway log).
CheckpointFile read_checkpoint_file(const std::filesystem::path& path);

// Appends one line and flushes it to disk (fdatasync). Throws std::runtime_error.
void append_checkpoint_file(const std::filesystem::path& path, const Checkpoint& checkpoint);

// The gateway's log line for a new checkpoint.
void log_checkpoint(const Checkpoint& checkpoint);

}  // namespace kq::audit
