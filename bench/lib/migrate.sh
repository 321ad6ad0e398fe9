# shellcheck shell=bash
# Migration cases: volport migrate against the reference's storage_migrate pipeline, side by side.
# Opt-in (they take several minutes at full size): bench/run --only migrate-local migrate-ssh.
# Sourced by bench/run after cases.sh; uses its data sets (need_full) and helpers.

OPT_IN+=(migrate-local migrate-ssh)
MIGRATE_SPARSE_SIZE=$((10 * GIB))   # the issue's 90 %-empty volume; --quick: 10 x the quick SIZE / 4

# need_sparse_volume: bench-src:100/vm-100-disk-1.raw, $MIGRATE_SPARSE_SIZE bytes, 90 % holes: every tenth
# 64 KiB block holds data (from the full volume, cycled), the rest was never written.
sparse_volume() { echo "$WORK/src/images/100/vm-100-disk-1.raw"; }
need_sparse_volume() {
  need_full
  [[ -n ${QUICK:-} ]] && MIGRATE_SPARSE_SIZE=$((SIZE * 10 / 4))
  local f; f=$(sparse_volume)
  if ! have "$f"; then
    log "data: writing the $(human "$MIGRATE_SPARSE_SIZE") 90 %-empty volume $f"
    rm -f "$f"
    perl -e 'my ($src, $dst, $size) = @ARGV; my $bs = 65536;
             open(my $in, "<:raw", $src) or die "$src: $!"; open(my $out, "+>:raw", $dst) or die "$dst: $!";
             for (my $off = 0; $off < $size; $off += 10 * $bs) {
               my $n = read($in, my $buf, $bs); if (!$n) { seek($in, 0, 0); $n = read($in, $buf, $bs) }
               seek($out, $off, 0) or die; print $out substr($buf, 0, $size - $off < $n ? $size - $off : $n) or die }
             truncate($out, $size) or die; close($out) or die' "$(src_volume)" "$f" "$MIGRATE_SPARSE_SIZE"
    record "$f"; DATA_SYNC=1
  fi
}

MIGRATE_WANT=""
verify_migrate() {  # verify_migrate SIDE: the target file is the source, byte for byte
  local side=$1 f got
  f="$WORK/dst-$side/images/100/$MIGRATE_NAME"
  [[ -f $f ]] || { echo "no output file $f"; return 1; }
  got=$(sha_of "$f")
  [[ $got == "$MIGRATE_WANT" ]] || { echo "output sha256 $got, expected $MIGRATE_WANT"; return 1; }
  if [[ $side == volport ]] && ! grep -q "successfully imported 'bench-dst:100/$MIGRATE_NAME'" "$WORK/volport.stdout"; then
    echo "volport did not print: successfully imported 'bench-dst:100/$MIGRATE_NAME'"; return 1
  fi
  echo "sha256_ok=1 allocated_bytes=$(allocated_bytes "$f")"
}

# The reference's receiver (pvesm import raw+size -): the 8-byte header, then dd conv=sparse; fdatasync because
# volport flushes before it reports success.
REF_RECEIVER='dd bs=8 count=1 iflag=fullblock of=/dev/null status=none && dd of=OUT conv=sparse,fdatasync bs=64k status=none'

# migrate_variant CASE VARIANT NAME SIZE VOLPORT-EXTRA REFERENCE-TRANSPORT [RECEIVER-WRAP]: REFERENCE-TRANSPORT is a
# printf format whose %s gets the receiver command; RECEIVER-WRAP, when given, is a command with RECV in it that
# the receiver is put into first (for transports where the sender's side runs after the receiver's listener).
migrate_variant() {
  local case=$1 variant=$2 name=$3 size=$4 extra=$5 transport=$6 wrap=${7:-} src vout rout recv
  src="$WORK/src/images/100/$name"; vout="$WORK/dst-volport/images/100/$name"; rout="$WORK/dst-reference/images/100/$name"
  MIGRATE_NAME=$name MIGRATE_WANT=$(sha_recorded "$src")
  recv=${REF_RECEIVER//OUT/$rout}
  [[ -n $wrap ]] && recv=${wrap//RECV/"$recv"}  # quoted: bash 5.2 would put the match in place of each & of $recv
  B_CASE=$case B_VARIANT=$variant B_CEILING=-
  B_BYTES=$((size + 8))
  B_PREP_VOLPORT="rm -f $vout; sync; cat $src >/dev/null"
  B_PREP_REFERENCE="rm -f $rout; sync; cat $src >/dev/null"
  B_VOLPORT="{RSS} $(volport_cmd) migrate bench-src:100/$name --target-storage bench-dst $extra"
  B_REFERENCE="{ perl -e 'print pack(\"Q<\", shift)' $size; {RSS} dd if=$src bs=4k status=none; } | $(printf "$transport" "$recv")"
  B_VERIFY=verify_migrate
  run_pair
  rm -f "$vout" "$rout"
}

# ---------------------------------------------------------------------------------------------
# migrate-local: a volume into another storage of this host.
# Reference (storage_migrate without sshinfo, 829b0cd): pvesm export … | pvesm import …, i.e. header + dd bs=4k
# into the header read + dd conv=sparse,fdatasync bs=64k.
# ---------------------------------------------------------------------------------------------
case_migrate_local() {
  need_full; need_sparse_volume; settle
  B_REF_LABEL='header + dd bs=4k | dd conv=sparse,fdatasync bs=64k'
  migrate_variant migrate-local "$(human "$SIZE")-full" vm-100-disk-0.raw "$SIZE" "" 'bash -c %q'
  # the same without volport's default raw+sparse (whose end-to-end digest costs CPU on both sides)
  migrate_variant migrate-local "$(human "$SIZE")-full-raw+size" vm-100-disk-0.raw "$SIZE" "--format raw+size" \
    'bash -c %q'
  migrate_variant migrate-local "$(human "$MIGRATE_SPARSE_SIZE")-90pct-empty" vm-100-disk-1.raw \
    "$MIGRATE_SPARSE_SIZE" "" 'bash -c %q'
}

# ---------------------------------------------------------------------------------------------
# migrate-ssh: to "another host" over ssh on loopback (an sshd this case starts on 127.0.0.1 with its own keys).
# Reference (storage_migrate, secure): … | ssh -e none -o BatchMode=yes root@HOST -- pvesm import …, with ssh's
# default cipher (chacha20-poly1305). volport picks AES-GCM first on CPUs with AES (its default).
# ---------------------------------------------------------------------------------------------
start_bench_sshd() {
  local d=$WORK/ssh
  rm -rf "$d"; mkdir -p "$d" /run/sshd
  ssh-keygen -q -t ed25519 -N '' -f "$d/host_key" && ssh-keygen -q -t ed25519 -N '' -f "$d/id" || die "ssh-keygen failed"
  cp "$d/id.pub" "$d/authorized_keys"
  SSHD_PORT=$((22000 + RANDOM % 1000))
  printf 'ListenAddress 127.0.0.1\nPort %s\nHostKey %s\nPidFile %s\nAuthorizedKeysFile %s\nPermitRootLogin prohibit-password\nPasswordAuthentication no\nKbdInteractiveAuthentication no\nUsePAM no\nStrictModes no\n' \
    "$SSHD_PORT" "$d/host_key" "$d/sshd.pid" "$d/authorized_keys" >"$d/sshd_config"
  # sshd runs each remote command through root's login shell, and bash reads ~/.bashrc when sshd starts it. A
  # hypervisor's root has Debian's stock one (nothing for a non-interactive shell); a development machine's may not
  # (this one's runs `pyenv init`: 1.2 s per ssh session, paid once by the reference's pipeline and twice by
  # volport, whose negotiation is a session of its own). So the benchmark's sshd, in a mount namespace of its own,
  # sees a stock ~/.bashrc; the machine's file is not touched. BENCH_SSH_OWN_BASHRC=1 keeps the machine's.
  local home; home=$(getent passwd root | cut -d: -f6)
  if [[ -z ${BENCH_SSH_OWN_BASHRC:-} && -f $home/.bashrc ]] && command -v unshare >/dev/null; then
    printf '# the stock ~/.bashrc of Debian, for a non-interactive shell\n[ -z "$PS1" ] && return\n' >"$d/bashrc"
    unshare -m --propagation private sh -c 'mount --bind "$1" "$2" && exec /usr/sbin/sshd -D -e -f "$3"' sh \
      "$d/bashrc" "$home/.bashrc" "$d/sshd_config" 2>"$d/sshd.log" &
    SSHD_SHELL_NOTE="root's ~/.bashrc replaced by a stock one for the benchmark's sshd (BENCH_SSH_OWN_BASHRC=1 keeps it)"
  else
    /usr/sbin/sshd -D -e -f "$d/sshd_config" 2>"$d/sshd.log" &
    SSHD_SHELL_NOTE="root's own ~/.bashrc"
  fi
  SSHD_PID=$!
  printf '[127.0.0.1]:%s %s\n' "$SSHD_PORT" "$(cat "$d/host_key.pub")" >"$d/known_hosts"
  BENCH_SSH="ssh -F /dev/null -p $SSHD_PORT -i $d/id -o UserKnownHostsFile=$d/known_hosts"
  local i; for (( i = 0; i < 50; i++ )); do
    if $BENCH_SSH -o BatchMode=yes root@127.0.0.1 true 2>/dev/null; then
      local t0 t1; t0=$(date +%s%N); $BENCH_SSH -o BatchMode=yes root@127.0.0.1 true; t1=$(date +%s%N)
      log "migrate-ssh: one ssh session (ssh HOST true) takes $(( (t1 - t0) / 1000000 )) ms; $SSHD_SHELL_NOTE"
      return 0
    fi
    sleep 0.1
  done
  die "the benchmark's sshd did not start: $(cat "$d/sshd.log")"
}
stop_bench_sshd() {
  if [[ -n ${SSHD_PID:-} ]]; then kill "$SSHD_PID" 2>/dev/null || true; wait "$SSHD_PID" 2>/dev/null || true; fi
  SSHD_PID=""
}

case_migrate_ssh() {
  command -v /usr/sbin/sshd >/dev/null || die "migrate-ssh needs sshd (apt-get install openssh-server)"
  need_full; need_sparse_volume; settle
  start_bench_sshd
  local cipher; cipher=$(grep -qw aes /proc/cpuinfo && echo aes128-gcm@openssh.com || echo default)
  log "migrate-ssh: volport's ssh cipher: $cipher; the reference's: ssh's default (chacha20-poly1305@openssh.com)"
  local extra="--target-host 127.0.0.1 --ssh-command '$BENCH_SSH' --remote-volport '$VOLPORT --config $CONFIG'"
  local transport="$BENCH_SSH -e none -o BatchMode=yes root@127.0.0.1 -- %q"
  B_REF_LABEL='header + dd bs=4k | ssh (chacha20) | dd conv=sparse,fdatasync bs=64k'
  migrate_variant migrate-ssh "$(human "$SIZE")-full" vm-100-disk-0.raw "$SIZE" "$extra" "$transport"
  migrate_variant migrate-ssh "$(human "$SIZE")-full-raw+size" vm-100-disk-0.raw "$SIZE" "$extra --format raw+size" \
    "$transport"
  migrate_variant migrate-ssh "$(human "$MIGRATE_SPARSE_SIZE")-90pct-empty" vm-100-disk-1.raw \
    "$MIGRATE_SPARSE_SIZE" "$extra" "$transport"
  B_REF_LABEL='header + dd bs=4k | ssh (aes128-gcm) | dd conv=sparse,fdatasync bs=64k'
  migrate_variant migrate-ssh "$(human "$SIZE")-full-same-cipher" vm-100-disk-0.raw "$SIZE" "$extra" \
    "$BENCH_SSH -c aes128-gcm@openssh.com -e none -o BatchMode=yes root@127.0.0.1 -- %q"
  # The reference's insecure migration (migration_type insecure): the receiver is started over ssh and listens on
  # tcp, the sender writes into a plain socket. volport: --transport tcp (receiver over ssh, data on the socket).
  # Reference side: socat in place of pvesm's listener and socket (the same bytes on the same kind of socket).
  if command -v socat >/dev/null; then
    local port=$((61000 + RANDOM % 1000))
    B_REF_LABEL='header + dd bs=4k > tcp socket (insecure) > dd conv=sparse,fdatasync bs=64k'
    migrate_variant migrate-ssh "$(human "$SIZE")-full-tcp" vm-100-disk-0.raw "$SIZE" "$extra --transport tcp" \
      "bash -c %q" "socat -u TCP-LISTEN:$port,bind=127.0.0.1,reuseaddr STDOUT | { RECV; } & socat -u STDIN TCP:127.0.0.1:$port,retry=100,interval=0.01; wait"
    migrate_variant migrate-ssh "$(human "$MIGRATE_SPARSE_SIZE")-90pct-empty-tcp" vm-100-disk-1.raw \
      "$MIGRATE_SPARSE_SIZE" "$extra --transport tcp" \
      "bash -c %q" "socat -u TCP-LISTEN:$port,bind=127.0.0.1,reuseaddr STDOUT | { RECV; } & socat -u STDIN TCP:127.0.0.1:$port,retry=100,interval=0.01; wait"
  else
    log "migrate-ssh: socat is not installed (apt-get install socat): the tcp rows are skipped"
  fi
  stop_bench_sshd
}
