#pragma once

// URL encoding lives in util (the chat receivers sign URLs too); the API code names it here.

#include "daemon/util/percent_encoding.h"

namespace swas::api {

using util::canonicalQuery;
using util::encodeQuery;
using util::Params;
using util::parseQuery;
using util::percentDecode;
using util::percentEncode;

}  // namespace swas::api
