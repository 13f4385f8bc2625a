# private-ns.sh — sourced by the scripts that start pcscd (scripts/pcsc-test.sh,
# bench/pcsc-bench.sh), so that their pcscd never meets a host's pcscd, a host's
# readers or another run of theirs.
#
# in_host_ns: true when running as root outside the private namespace (the
# caller then builds what it needs while the module proxy is reachable).
in_host_ns() { [ "$(id -u)" -eq 0 ] && [ -z "${JPKISIM_PRIVATE_NS:-}" ]; }

# enter_private_ns SCRIPT ARGS...: as root, re-executes SCRIPT under private
# mount and network namespaces (unshare); inside them, mounts a tmpfs of its
# own on /run/pcscd, brings up loopback and turns the module proxy off (the
# namespace has no network). Not as root it does nothing.
enter_private_ns() {
	if in_host_ns; then
		exec unshare --mount --net --propagation private env JPKISIM_PRIVATE_NS=1 "$@"
	fi
	if [ -n "${JPKISIM_PRIVATE_NS:-}" ]; then
		mkdir -p /run/pcscd
		mount -t tmpfs -o mode=0755,size=4m jpkisim-pcscd /run/pcscd
		ip link set lo up
		export GOPROXY=off # what the build needs is in the module cache already
	fi
}
