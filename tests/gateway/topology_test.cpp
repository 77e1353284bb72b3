// The kernel dataplane's part of the topology: the plan gives each level an XFRM interface with
// the level's if_id and routes the remote traffic selectors into it, and the RTM_NEWLINK request
// that creates the interface carries what `ip link add ipsec0 type xfrm dev transit if_id N`
// sends. The interface itself is exercised for real in the image's VM test (this host kernel has
// no XFRM interfaces).
#include "gateway/topology.hpp"

#include <libmnl/libmnl.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <fstream>
#include <sstream>

#include "common/config/parse.hpp"
#include "gateway/link_ops.hpp"

namespace {

using namespace rempart;
using namespace rempart::gateway;

config::Config loadExample(const std::string& name, config::Dataplane dataplane) {
  std::ifstream in(std::string(REMPART_SOURCE_DIR) + "/gateway/examples/" + name);
  std::stringstream text;
  text << in.rdbuf();
  auto c = config::parseConfig(text.str(), name);
  REQUIRE(c);
  c->system.dataplane = dataplane;
  return std::move(*c);
}

// Walks the attributes in [begin, begin + len) (libmnl's macros assign from void*, which C++
// refuses).
template <typename F>
void forEachAttr(const void* begin, size_t len, F f) {
  const auto* a = static_cast<const nlattr*>(begin);
  int remaining = static_cast<int>(len);
  while (mnl_attr_ok(a, remaining)) {
    f(a);
    remaining -= static_cast<int>(MNL_ALIGN(a->nla_len));
    a = mnl_attr_next(a);
  }
}
template <typename F>
void forEachNested(const nlattr* nest, F f) {
  forEachAttr(mnl_attr_get_payload(nest), mnl_attr_get_payload_len(nest), f);
}

const InstancePaths kPaths{"/run/rempart", "/var/lib/rempart"};

bool hasRoute(const netconfig::DesiredState& s, const std::string& to, const std::string& dev) {
  return std::any_of(s.routes.begin(), s.routes.end(), [&](const netconfig::RouteSpec& r) {
    return r.destination.str() == to && r.interface == dev && !r.gateway;
  });
}

bool hasLink(const netconfig::DesiredState& s, const std::string& name) {
  return std::any_of(s.links.begin(), s.links.end(),
                     [&](const netconfig::LinkSpec& l) { return l.name == name && l.up; });
}

TEST_CASE("kernel dataplane: each level routes its remote selectors into its XFRM interface",
          "[unit]") {
  auto cfg = loadExample("two-levels.yaml", config::Dataplane::kKernel);
  TopologyPlan plan = planTopology(cfg, kPaths);
  REQUIRE(plan.levels.size() == 2);
  CHECK(plan.levels[0].xfrm_if_id == 1u);
  CHECK(plan.levels[1].xfrm_if_id == 2u);
  for (const auto& lp : plan.levels) CHECK(hasLink(lp.network, "ipsec0"));
  CHECK(hasRoute(plan.levels[0].network, "10.2.0.0/16", "ipsec0"));
  CHECK(hasRoute(plan.levels[1].network, "10.4.0.0/24", "ipsec0"));
  CHECK(hasRoute(plan.levels[1].network, "10.5.0.0/24", "ipsec0"));
  CHECK(hasRoute(plan.levels[1].network, "fd00:5::/48", "ipsec0"));
  // Nothing of another level's selectors, and IKE still leaves by the transit default route.
  CHECK_FALSE(hasRoute(plan.levels[0].network, "10.4.0.0/24", "ipsec0"));
  CHECK(std::any_of(plan.levels[0].network.routes.begin(), plan.levels[0].network.routes.end(),
                    [](const netconfig::RouteSpec& r) {
                      return r.destination.str() == "0.0.0.0/0" && r.interface == "transit";
                    }));
}

TEST_CASE("libipsec dataplane: no XFRM interface, charon routes to its TUN", "[unit]") {
  auto cfg = loadExample("two-levels.yaml", config::Dataplane::kLibipsec);
  TopologyPlan plan = planTopology(cfg, kPaths);
  for (const auto& lp : plan.levels) {
    CHECK_FALSE(lp.xfrm_if_id);
    CHECK_FALSE(hasLink(lp.network, "ipsec0"));
    for (const auto& r : lp.network.routes) CHECK(r.interface != "ipsec0");
  }
}

TEST_CASE("the XFRM interface request carries kind, underlay and if_id", "[unit]") {
  std::vector<char> buf(MNL_SOCKET_BUFFER_SIZE);
  nlmsghdr* nlh = buildXfrmLinkRequest(buf.data(), "ipsec0", 7, 42);
  CHECK(nlh->nlmsg_type == RTM_NEWLINK);
  CHECK((nlh->nlmsg_flags & (NLM_F_CREATE | NLM_F_EXCL)) == (NLM_F_CREATE | NLM_F_EXCL));
  REQUIRE(mnl_nlmsg_ok(nlh, static_cast<int>(nlh->nlmsg_len)));

  std::string ifname, kind;
  uint32_t link = 0, if_id = 0;
  int data_attrs = 0;
  const void* attrs = mnl_nlmsg_get_payload_offset(nlh, sizeof(ifinfomsg));
  size_t len = static_cast<size_t>(static_cast<const char*>(mnl_nlmsg_get_payload_tail(nlh)) -
                                   static_cast<const char*>(attrs));
  forEachAttr(attrs, len, [&](const nlattr* a) {
    if (mnl_attr_get_type(a) == IFLA_IFNAME) ifname = mnl_attr_get_str(a);
    if (mnl_attr_get_type(a) != IFLA_LINKINFO) return;
    forEachNested(a, [&](const nlattr* i) {
      if (mnl_attr_get_type(i) == IFLA_INFO_KIND) kind = mnl_attr_get_str(i);
      if (mnl_attr_get_type(i) != IFLA_INFO_DATA) return;
      forEachNested(i, [&](const nlattr* d) {
        ++data_attrs;
        if (mnl_attr_get_type(d) == IFLA_XFRM_LINK) link = mnl_attr_get_u32(d);
        if (mnl_attr_get_type(d) == IFLA_XFRM_IF_ID) if_id = mnl_attr_get_u32(d);
      });
    });
  });
  CHECK(ifname == "ipsec0");
  CHECK(kind == "xfrm");
  CHECK(link == 42);
  CHECK(if_id == 7);
  CHECK(data_attrs == 2);
}

TEST_CASE("a GETLINK reply of an XFRM interface gives back its kind and if_id", "[unit]") {
  std::vector<char> buf(MNL_SOCKET_BUFFER_SIZE);
  // The kernel's reply has the same nesting as the request.
  nlmsghdr* nlh = buildXfrmLinkRequest(buf.data(), "ipsec0", 3, 5);
  LinkKindInfo info = parseLinkKind(nlh);
  CHECK(info.kind == "xfrm");
  CHECK(info.if_id == 3u);

  std::vector<char> plain(MNL_SOCKET_BUFFER_SIZE);
  nlmsghdr* m = mnl_nlmsg_put_header(plain.data());
  m->nlmsg_type = RTM_NEWLINK;
  mnl_nlmsg_put_extra_header(m, sizeof(ifinfomsg));
  mnl_attr_put_strz(m, IFLA_IFNAME, "eth0");
  LinkKindInfo none = parseLinkKind(m);
  CHECK(none.kind.empty());
  CHECK_FALSE(none.if_id);
}

}  // namespace
