# Runs inside the simulated host (busybox sh): boots the Debian kernel under nestvisor in
# several scenarios and prints one "SCENARIO name status" line after each, for
# test_linux_guest to judge. Guest output is kept in /tmp/NAME.out and printed with a prefix.
KERNEL=/guest/vmlinuz
INITRD=/guest/initrd-test.img
ARGS="--kernel $KERNEL --initrd $INITRD --memory 512"

show() { sed "s/^/[$1] /" "/tmp/$1.out"; }
# A guest that hangs is killed after 5 minutes (it boots in ~20 s), so one stuck run
# cannot hold the whole session; its output so far is still shown.
nestvisor() { timeout -s KILL 300 /bin/nestvisor "$@"; }

nestvisor run $ARGS --cpus 2 --cmdline "console=ttyS0 quiet nv.script=hello" >/tmp/hello.out 2>&1
echo "SCENARIO hello $?"
show hello

for kind in pvh elf64; do
	kernel=/guest/vmlinux
	[ $kind = elf64 ] && kernel=/guest/vmlinux-nopvh
	NESTVISOR_LOG=info nestvisor run --kernel $kernel --initrd $INITRD --memory 512 --cpus 2 \
		--cmdline "console=ttyS0 quiet nv.script=hello" >/tmp/$kind.out 2>&1
	echo "SCENARIO $kind $?"
	show $kind
done

before=$(date +%s)
nestvisor run $ARGS --cpus 1 --cmdline "console=ttyS0 quiet nv.script=clock" >/tmp/clock.out 2>&1
st=$?
echo "SCENARIO clock $st before=$before after=$(date +%s)"
show clock

# Console input: type a line once the guest says it is reading.
mkfifo /tmp/in
nestvisor run $ARGS --cpus 2 --cmdline "console=ttyS0 quiet nv.script=readline" \
	</tmp/in >/tmp/readline.out 2>&1 &
pid=$!
exec 3>/tmp/in
i=0
while [ $i -lt 600 ] && ! grep -q "readline: ready" /tmp/readline.out; do
	sleep 0.2
	i=$((i + 1))
done
grep -q "readline: ready" /tmp/readline.out || echo "[readline] (never saw 'readline: ready'; typing anyway)"
echo "typed on the serial console" >&3
exec 3>&-
wait $pid
echo "SCENARIO readline $?"
show readline

nestvisor run $ARGS --cpus 1 --cmdline "console=ttyS0 quiet nv.script=reboot" >/tmp/reboot.out 2>&1
echo "SCENARIO reboot $?"
show reboot
