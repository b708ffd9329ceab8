/* test_netmsg.c - the data plane's device names and the RTM_NEWLINK message
 * dp_vlan_msg builds (parsed back attribute by attribute: this kernel has
 * no 802.1Q, so the message is all that can be checked here). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <errno.h>
#include <string.h>

#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <netlink/attr.h>
#include <netlink/msg.h>

#include "dp/dp.h"

static const char *const net_id = "3f1c2b7e-5d4a-4c8b-9e6f-0a1b2c3d4e5f";

static void bridge_and_port_names(void **state)
{
	char out[DP_IFNAMSIZ];

	dp_bridge_name(net_id, out);
	assert_string_equal(out, "brq3f1c2b7e-5d");
	dp_port_dev("tap", net_id, out);
	assert_string_equal(out, "tap3f1c2b7e-5d");
	dp_port_dev("qr-", net_id, out);
	assert_string_equal(out, "qr-3f1c2b7e-5d");
	dp_port_dev("qg-", "abc", out); /* short ids are kept whole */
	assert_string_equal(out, "qg-abc");
	assert_true(strlen(out) < DP_IFNAMSIZ);
}

static void vxlan_names(void **state)
{
	char out[DP_IFNAMSIZ];

	dp_vxlan_name(1001, out);
	assert_string_equal(out, "vxlan-1001");
	dp_vxlan_name(16777215, out); /* the largest VNI still fits */
	assert_string_equal(out, "vxlan-16777215");
}

static void vlan_message(void **state)
{
	struct nlattr *tb[IFLA_MAX + 1], *info[IFLA_INFO_MAX + 1], *data[IFLA_VLAN_MAX + 1];
	struct nl_msg *msg = NULL;
	struct nlmsghdr *h;
	struct nlattr *a;

	assert_int_equal(dp_vlan_msg("eth1", 7, "eth1.100", 100, &msg), 0);
	assert_non_null(msg);
	h = nlmsg_hdr(msg);
	assert_int_equal(h->nlmsg_type, RTM_NEWLINK);
	assert_true(h->nlmsg_flags & NLM_F_CREATE);
	assert_true(h->nlmsg_flags & NLM_F_EXCL);
	assert_int_equal(nlmsg_parse(h, sizeof(struct ifinfomsg), tb, IFLA_MAX, NULL), 0);

	assert_non_null(tb[IFLA_IFNAME]);
	assert_string_equal(nla_get_string(tb[IFLA_IFNAME]), "eth1.100");
	assert_non_null(tb[IFLA_LINK]);
	assert_int_equal(nla_get_u32(tb[IFLA_LINK]), 7);

	assert_non_null(tb[IFLA_LINKINFO]);
	assert_int_equal(nla_parse_nested(info, IFLA_INFO_MAX, tb[IFLA_LINKINFO], NULL), 0);
	assert_non_null(info[IFLA_INFO_KIND]);
	assert_string_equal(nla_get_string(info[IFLA_INFO_KIND]), "vlan");
	assert_non_null(info[IFLA_INFO_DATA]);
	assert_int_equal(nla_parse_nested(data, IFLA_VLAN_MAX, info[IFLA_INFO_DATA], NULL), 0);
	assert_non_null(data[IFLA_VLAN_ID]);
	assert_int_equal(nla_get_u16(data[IFLA_VLAN_ID]), 100);

	/* The same through nla_find over the nest's payload. */
	a = nla_find(nla_data(tb[IFLA_LINKINFO]), nla_len(tb[IFLA_LINKINFO]), IFLA_INFO_DATA);
	assert_non_null(a);
	a = nla_find(nla_data(a), nla_len(a), IFLA_VLAN_ID);
	assert_non_null(a);
	assert_int_equal(nla_get_u16(a), 100);
	nlmsg_free(msg);
}

static void vlan_message_bounds(void **state)
{
	struct nl_msg *msg = NULL;

	assert_int_equal(dp_vlan_msg("eth1", 7, "eth1.4094", 4094, &msg), 0);
	nlmsg_free(msg);
	msg = NULL;
	assert_int_equal(dp_vlan_msg("eth1", 7, "eth1.0", 0, &msg), -EINVAL);
	assert_null(msg);
	assert_int_equal(dp_vlan_msg("eth1", 7, "eth1.4095", 4095, &msg), -EINVAL);
	assert_null(msg);
	assert_int_equal(dp_vlan_msg("eth1", 0, "eth1.5", 5, &msg), -EINVAL);
	assert_null(msg);
	assert_int_equal(dp_vlan_msg("eth1", 7, "a-name-much-too-long", 5, &msg), -EINVAL);
	assert_null(msg);
	assert_int_equal(dp_vlan_msg("eth1", 7, "bad/name", 5, &msg), -EINVAL);
	assert_null(msg);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(bridge_and_port_names),
		cmocka_unit_test(vxlan_names),
		cmocka_unit_test(vlan_message),
		cmocka_unit_test(vlan_message_bounds),
	};
	return cmocka_run_group_tests_name("netmsg", tests, NULL, NULL);
}
