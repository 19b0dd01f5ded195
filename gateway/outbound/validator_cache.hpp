#pragma once
// The validators (ETag, Last-Modified) of the last body of each source whose message committed,
// for the whole process: an adapter recreated by a reload keeps sending conditional GETs. A body
// whose message did not commit is never remembered, so a failed import is fetched again in full.
#include <string>

#include "gateway/outbound/https_get.hpp"

namespace kq::outbound {

// The key names the adapter, the source and the URL: a changed URL starts afresh.
std::string validator_key(const std::string& adapter, const HttpsSource& source);
Validators remembered_validators(const std::string& key);
void remember_validators(const std::string& key, const Validators& validators);

}  // namespace kq::outbound
