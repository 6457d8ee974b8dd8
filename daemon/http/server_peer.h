#pragma once

// Who a connection of the server counts against (private to the http module).

#include <boost/asio/ip/address.hpp>
#include <string>

namespace swas::http {

// The peer of an address: an IPv4 address (also when mapped into IPv6), or the /64 of an IPv6
// address (one host has a whole /64 to pick from).
std::string peerKey(const boost::asio::ip::address& address);

}  // namespace swas::http
