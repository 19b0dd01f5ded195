#pragma once
// Runs body(0) … body(count - 1) on the calling thread and on the helper threads that are free,
// and returns when all have run. Used for the documents of a batch (a roster chunk's 5,000 rows,
// a POS batch's 30,000 records): each is mapped on its own, and mapping is pure CPU work that the
// second core can share while the first waits for nothing.
//
// The caller takes items too, so the call finishes even when every helper is busy with another
// batch (no thread ever waits for a helper to start): a helper that starts late finds nothing
// left and returns. Items are taken in small blocks from a shared counter, so a slow item does not
// hold up the rest. `body` must not throw; results go into per-index slots, so the output order
// is the input order whatever thread ran what.
#include <cstddef>
#include <functional>

namespace kq::pipeline {

void parallel_for(std::size_t count, const std::function<void(std::size_t)>& body);

// Helper threads available besides the caller (the machine's hardware threads minus one).
std::size_t parallel_helpers();

}  // namespace kq::pipeline
