// Who a connection counts against: an IPv4 address, or an IPv6 /64 (a host picks any address of
// its /64, so per-address caps would mean nothing there).
#include "daemon/http/server_peer.h"

#include <gtest/gtest.h>

namespace swas::http {
namespace {

using boost::asio::ip::make_address;

TEST(ServerPeer, AnIpv6PeerIsItsSlash64AndAMappedIpv4PeerItsAddress) {
  EXPECT_EQ(peerKey(make_address("192.0.2.7")), "192.0.2.7");
  EXPECT_EQ(peerKey(make_address("::ffff:192.0.2.7")), "192.0.2.7");
  EXPECT_EQ(peerKey(make_address("2001:db8:1:2::1")),
            peerKey(make_address("2001:db8:1:2:ffff::9")));
  EXPECT_NE(peerKey(make_address("2001:db8:1:2::1")), peerKey(make_address("2001:db8:1:3::1")));
  EXPECT_EQ(peerKey(make_address("2001:db8:1:2::1")), "2001:db8:1:2::/64");
}

}  // namespace
}  // namespace swas::http
