# shellcheck shell=bash
# tools/lab-demo.sh - 'tools/lab demo' (sourced by tools/lab; 'make lab'
# runs it after 'tools/lab up'): what a new tenant does on the cloud, with
# the real openstack CLI only, ending with proof that the VM reached the
# internet. Credentials land in lab/demo-openrc, the key in lab/demo-key.

# dos ARGS...: the openstack CLI as the demo user, from the controller.
dos() {
	(
		# shellcheck disable=SC1091
		. "$LAB/demo-openrc"
		in_ns "$NS_CTL" timeout 90 openstack "$@"
	)
}
# ssh_fip IP CMD...: ssh as root with the demo key from the external
# namespace (the internet), bounded.
ssh_fip() {
	local ip=$1; shift
	in_ns "$NS_EXT" timeout 30 ssh -i "$LAB/demo-key" -o StrictHostKeyChecking=no \
		-o UserKnownHostsFile=/dev/null -o LogLevel=ERROR -o ConnectTimeout=5 \
		-o BatchMode=yes "root@$ip" "$@"
}

demo() {
	[ -f "$LAB/admin-openrc" ] || die "the lab is not up: 'tools/lab up' first"
	dos server show demo-vm >/dev/null 2>&1 && die "the demo already ran: 'openstack server list' with lab/demo-openrc"
	local t0=$SECONDS
	[ -f "$LAB/demo-password" ] || (umask 077; secret >"$LAB/demo-password")
	(umask 077; sed -e 's/^export OS_USERNAME=.*/export OS_USERNAME=demo/' \
		-e 's/^export OS_PROJECT_NAME=.*/export OS_PROJECT_NAME=demo/' \
		-e "s/^export OS_PASSWORD=.*/export OS_PASSWORD=$(cat "$LAB/demo-password")/" \
		-e 's/^# The lab.s admin/# The demo user/' "$LAB/admin-openrc" >"$LAB/demo-openrc")

	say "as admin: project demo, user demo with the member role"
	los project create --or-show demo >/dev/null &&
		los user create --or-show --project demo --password "$(cat "$LAB/demo-password")" demo >/dev/null &&
		los role add --project demo --user demo member || die "creating the demo user failed"

	say "as demo: network, subnet, router with the external gateway, keypair, security group rules"
	dos network create demo-net -f value -c id >"$LAB/demo-net.id" || die "network create failed"
	dos subnet create --network demo-net --subnet-range 10.0.0.0/24 \
		--dns-nameserver "$EXT_GW" demo-subnet >/dev/null || die "subnet create failed"
	dos router create demo-router >/dev/null &&
		dos router set --external-gateway public demo-router &&
		dos router add subnet demo-router demo-subnet || die "router failed"
	[ -f "$LAB/demo-key" ] || ssh-keygen -q -t ed25519 -N '' -C demo@basalt-lab -f "$LAB/demo-key"
	dos keypair create --public-key "$LAB/demo-key.pub" demo-key >/dev/null &&
		dos security group rule create --protocol icmp default >/dev/null &&
		dos security group rule create --protocol tcp --dst-port 22 default >/dev/null ||
		die "keypair or security group rules failed"

	# At boot, before it has a floating IP, the VM fetches a page by name:
	# its request leaves through the router's SNAT address.
	cat >"$LAB/demo-user-data" <<'EOU'
#!/bin/sh
if timeout 10 wget -q -O /dev/null "http://example.test/?from=demo-vm"; then
	echo "basalt-guest: demo: http://example.test/ answered"
else
	echo "basalt-guest: demo: http://example.test/ did not answer"
fi
EOU
	say "as demo: boot the test image on m1.nano"
	dos server create --image basalt-test --flavor m1.nano --nic "net-id=$(cat "$LAB/demo-net.id")" \
		--key-name demo-key --user-data "$LAB/demo-user-data" --wait demo-vm \
		-c name -c status -c addresses ||
		die "server create failed (logs: lab/compute0/basaltd.log)"
	local i ready=""
	for i in $(seq 1 90); do
		ready=$(dos console log show demo-vm 2>/dev/null | grep "basalt-guest: ready" || true)
		[ -n "$ready" ] && break
		sleep 1
	done
	dos console log show demo-vm 2>/dev/null | grep "basalt-guest:" | sed 's/^/    console: /'
	case $ready in *"ready ip=none"*|"") die "the VM got no address by DHCP (see the console above)" ;; esac
	local gw
	gw=$(dos router show demo-router -f json -c external_gateway_info |
		python3 -c 'import json,sys; print(json.load(sys.stdin)["external_gateway_info"]["external_fixed_ips"][0]["ip_address"])') ||
		die "the router has no gateway address"
	say "the external HTTP server's log (lab/external/http.log): the VM's request came from the router's SNAT address $gw"
	grep -F "$gw - - " "$LAB/external/http.log" | grep -F "from=demo-vm" | tail -n 1 | sed 's/^/    /' | grep . ||
		die "no request from $gw in lab/external/http.log"

	say "floating IP"
	local fip
	fip=$(dos floating ip create public -f value -c floating_ip_address) &&
		dos server add floating ip demo-vm "$fip" || die "floating IP failed"
	echo "    demo-vm: $fip"
	for i in $(seq 1 30); do
		ssh_fip "$fip" true 2>/dev/null && break
		[ "$i" = 30 ] && die "ssh root@$fip from the external namespace did not answer in 60 s"
		sleep 2
	done

	say "ssh root@$fip 'wget -qO- http://example.test/'  (from the internet, with the injected key)"
	local page
	page=$(ssh_fip "$fip" 'wget -qO- http://example.test/') || die "the VM did not reach http://example.test/"
	echo "    $page"
	cat <<EOM

The VM reached the internet through the router; the demo took $((SECONDS - t0)) s.
Log in to it from the external namespace:
    tools/lab exec external ssh -i ${LAB#"$PWD"/}/demo-key root@$fip
As the demo user from this shell:  . ${LAB#"$PWD"/}/demo-openrc && openstack server list
The dashboard, in a browser on this machine:  http://$CTL_MGMT:$API_PORT/dashboard/
    user demo, password $(cat "$LAB/demo-password"), domain Default
    (the admin: user admin, password in ${LAB#"$PWD"/}/admin-password)
EOM
}
