#include "daemon/http/endpoint.h"

namespace swas::http {

std::expected<Endpoint, std::string> parseEndpoint(std::string_view url) {
  Endpoint endpoint;
  size_t sep = url.find("://");
  if (sep == std::string_view::npos)
    return std::unexpected("endpoint needs a scheme: " + std::string(url));
  endpoint.scheme = std::string(url.substr(0, sep));
  if (endpoint.scheme != "https" && endpoint.scheme != "http") {
    return std::unexpected("endpoint scheme must be http or https: " + std::string(url));
  }
  std::string_view rest = url.substr(sep + 3);
  if (!rest.empty() && rest.back() == '/') rest.remove_suffix(1);
  if (rest.empty() || rest.find_first_of("/?#@ ") != std::string_view::npos) {
    return std::unexpected("endpoint must be scheme://host[:port]: " + std::string(url));
  }
  endpoint.host = std::string(rest);
  return endpoint;
}

std::string endpointForRegion(std::string_view url_template, std::string_view region_id) {
  static constexpr std::string_view kPlaceholder = "{region_id}";
  std::string out(url_template);
  for (size_t pos = out.find(kPlaceholder); pos != std::string::npos;
       pos = out.find(kPlaceholder, pos + region_id.size())) {
    out.replace(pos, kPlaceholder.size(), region_id);
  }
  return out;
}

}  // namespace swas::http
