#pragma once
// Replacing a small file so that a reader, or the next start after a crash, sees either the old
// content or the new, never a half-written file: the bytes go to a hidden temporary name in the
// same folder, are flushed to disk, and the temporary is renamed over the target (atomic on one
// file system); the folder is flushed as well, so the rename itself survives a power cut.
//
// Used for the drop folders' receipts, the calendar schedules' last-run marks and the pull
// cursor's key.
#include <filesystem>
#include <string_view>
#include <system_error>

#include <sys/types.h>

namespace kq::core {

// Writes `bytes` to `target` with permissions `mode` (for a new file). Returns the first error;
// on error the target is unchanged and the temporary is removed.
std::error_code write_file_atomically(const std::filesystem::path& target, std::string_view bytes,
                                      mode_t mode = 0644);

}  // namespace kq::core
