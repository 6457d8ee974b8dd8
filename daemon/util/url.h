#pragma once

// URLs from the configuration: which schemes may be fetched, and how a peer is named in a message
// or a log without the password its URL may carry.

#include <string>
#include <string_view>

namespace swas::util {

// The scheme of "scheme://...", lower-cased; "" when the text has none.
std::string urlScheme(std::string_view url);

// An http:// or https:// URL with a host. Anything else (file://, ftp://, gopher://) must never
// reach libcurl from the configuration: it would read local files or talk to other services.
bool isHttpUrl(std::string_view url);

// An '@' after the authority (in the path, query or fragment): a password with an unescaped '/',
// '?' or '#' that parsers disagree on (libcurl reads the host before it, others after it).
bool ambiguousAt(std::string_view url);

// A peer as problems, logs and metrics name it: scheme, host and port as libcurl reads them,
// and the path unless it holds an '@' (never user information, query, fragment or trailing
// slash): "http://am-1:9093", "https://am.example/prefix".
std::string peerName(std::string_view url);

}  // namespace swas::util
