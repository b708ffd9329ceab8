# tests/conformance/suite.bash - sourced by tests/conformance/SUITE.sh: the
# tempest suite SUITE (Debian's tempest through tools/conformance) against
# tests/conformance/expected/SUITE.txt: every listed test passes, and no
# test passes that it does not list (the list only grows: add the tests
# your change makes pass). TAP: one check per listed test, then one for "no
# unlisted pass"; the counts of the whole run and its time as comments.
# LAB_SHARED=1 (tests/run's shared lab phase): against that lab, through its
# controller's namespace, as a user of the lab would (root). Alone: against
# a standalone controller of BUILD (no root, no namespaces), e.g.
#     BUILD=build tests/conformance/identity.sh
# conformance_suite SUITE [REGEX]: REGEX narrows the run (and the check) to
# the tests whose id matches it too (tools/conformance SUITE REGEX).
conformance_suite() {
	local suite=$1 narrow=${2:-} args=()
	command -v tempest >/dev/null || skip_tier "tempest is not installed (tools/deps --test)"
	WORK=$(mktemp -d /tmp/basalt-conformance.XXXXXX)
	STATE=
	trap 'stop_controller; rm -rf "$WORK" ${STATE:+"$STATE"}' EXIT
	export CONFORMANCE_DIR=$WORK/workspace
	if [ "${LAB_SHARED:-}" = 1 ]; then
		[ -f "${LAB_DIR:?LAB_SHARED=1 needs LAB_DIR}/admin-openrc" ] ||
			{ plan 1; not_ok "the shared lab is up ($LAB_DIR)"; exit 1; }
		echo "# against the shared lab ($LAB_DIR)"
	else
		start_controller >/dev/null || { plan 1; not_ok "a standalone controller starts"; exit 1; }
		for v in "${!OS_@}"; do printf 'export %s=%q\n' "$v" "${!v}"; done >"$WORK/openrc"
		args=(--openrc "$WORK/openrc")
		echo "# against a standalone controller ($URL)"
	fi
	tools/conformance "${args[@]}" --tap --check "tests/conformance/expected/$suite.txt" "$suite" ${narrow:+"$narrow"}
}
