# shellcheck shell=bash
# User pipelines (issue 17): what a user of the reference runs by hand for the same job as volport's
# export/import of a qcow2 volume, against volport, side by side. Opt-in (several minutes at full size):
#   bench/run --only user-qcow2-export user-qcow2-import
# Sourced by bench/run after cases.sh; uses its image data sets (need_images) and helpers.
#
#   user-qcow2-export: qemu-img convert -O raw F.qcow2 TMP.raw && (header; dd if=TMP.raw bs=4k) | cat
#                      against volport export VOL raw+size - | cat
#   user-qcow2-import: tail -c +9 | dd of=TMP conv=sparse bs=64k && qemu-img convert -O qcow2 TMP F.qcow2 && sync
#                      against volport import VOL.qcow2 raw+size -
# Variants: full, and 90 % empty (every tenth 64 KiB block data; for the import, a stream with the zeros written).
# TMP lies on the same disk as the data, as it would for the user. Each row's notes carry startup_ms, the
# median wall time of `volport --version` (the launcher and JVM start), to judge the start-up share.

OPT_IN+=(user-qcow2-export user-qcow2-import)
register_case user-qcow2-export case_user_qcow2_export 'qemu-img convert -O raw F.qcow2 TMP.raw && (header; dd if=TMP.raw bs=4k) | cat'
register_case user-qcow2-import case_user_qcow2_import 'tail -c +9 | dd of=TMP conv=sparse bs=64k && qemu-img convert -O qcow2 TMP F.qcow2 && sync'

USER_STARTUP_MS=""
user_startup_ms() {  # the median of 5 runs of volport --version, in ms (measured once per bench run)
  if [[ -z $USER_STARTUP_MS ]]; then
    local i t0 t=()
    for i in 1 2 3 4 5; do
      t0=$(now_ns); "$VOLPORT" --version >/dev/null; t+=($(( ($(now_ns) - t0) / 1000000 )))
    done
    USER_STARTUP_MS=$(printf '%s\n' "${t[@]}" | sort -n | sed -n 3p)
  fi
  echo "$USER_STARTUP_MS"
}

# user-qcow2-export correctness, once per side: the stream's header is the virtual size and the SHA-256 of its
# payload that of the raw data the image was made from.
USERX_CMD_VOLPORT="" USERX_CMD_REFERENCE="" USERX_WANT=""
verify_user_export() {
  local side=$1 cmd hdr got
  [[ $side == volport ]] && cmd=$USERX_CMD_VOLPORT || cmd=$USERX_CMD_REFERENCE
  read -r hdr got < <(bash -o pipefail -c "$cmd" 2>/dev/null \
    | { h=$(head -c 8 | od -An -tu8 | tr -d ' '); s=$(sha_stdin); echo "${h:-none} $s"; })
  [[ $hdr == "$IMG_SIZE" ]] || { echo "size header $hdr, expected $IMG_SIZE"; return 1; }
  [[ $got == "$USERX_WANT" ]] || { echo "payload sha256 $got, expected $USERX_WANT"; return 1; }
  echo "sha256_ok=1 startup_ms=$(user_startup_ms)"
}

user_export_variant() {  # user_export_variant VARIANT VOLNAME RAW_IT_WAS_MADE_FROM
  local src tmp
  src=$(img_volume "$2") tmp=$WORK/user-export.tmp.raw
  USERX_WANT=$(sha_recorded "$3")
  USERX_CMD_VOLPORT="$(volport_cmd) export bench-src:100/$2 raw+size -"
  USERX_CMD_REFERENCE="rm -f $tmp; qemu-img convert -f qcow2 -O raw $src $tmp && (perl -e 'print pack(\"Q<\", $IMG_SIZE)'; dd if=$tmp bs=4k status=none)"
  B_CASE=user-qcow2-export B_VARIANT="$(human "$IMG_SIZE")-$1" B_CEILING=pipe
  B_REF_LABEL="qemu-img convert -O raw F.qcow2 TMP.raw && (header; dd if=TMP.raw bs=4k) | cat"
  B_BYTES=$((IMG_SIZE + 8))
  B_PREP="" B_PREP_VOLPORT="cat $src >/dev/null" B_PREP_REFERENCE="rm -f $tmp; sync; cat $src >/dev/null"
  B_VOLPORT="{RSS} $USERX_CMD_VOLPORT | cat >/dev/null"
  B_REFERENCE="{RSS} qemu-img convert -f qcow2 -O raw $src $tmp && (perl -e 'print pack(\"Q<\", $IMG_SIZE)'; dd if=$tmp bs=4k status=none) | cat >/dev/null"
  B_VERIFY=verify_user_export
  run_pair
  rm -f "$tmp"
}

case_user_qcow2_export() {
  need_images; settle; user_startup_ms >/dev/null
  user_export_variant full vm-100-disk-1.qcow2 "$IMG_FULL"
  user_export_variant 90pct-empty vm-100-disk-2.qcow2 "$IMG_10PCT"
}

# user-qcow2-import correctness, once per side: qemu-img compare of the resulting qcow2 with the raw data.
USERI_WANT_RAW=""
verify_user_import() {
  local side=$1 f out
  f=$WORK/dst-$side/images/100/vm-100-disk-0.qcow2
  [[ -f $f ]] || { echo "no output file $f"; return 1; }
  out=$(qemu-img compare -q -f raw -F qcow2 "$USERI_WANT_RAW" "$f" 2>&1) || { echo "qemu-img compare: ${out:-differs}"; return 1; }
  echo "compare_ok=1 allocated_bytes=$(allocated_bytes "$f") startup_ms=$(user_startup_ms)"
}

user_import_variant() {  # user_import_variant VARIANT STREAM RAW
  local vout=$WORK/dst-volport/images/100/vm-100-disk-0.qcow2 rout=$WORK/dst-reference/images/100/vm-100-disk-0.qcow2
  local tmp=$WORK/user-import.tmp.raw
  USERI_WANT_RAW=$3
  B_CASE=user-qcow2-import B_VARIANT="$(human "$IMG_SIZE")-$1" B_CEILING=pipe
  B_REF_LABEL='tail -c +9 | dd of=TMP conv=sparse bs=64k && qemu-img convert -O qcow2 TMP F.qcow2 && sync'
  B_BYTES=$((IMG_SIZE + 8))
  B_PREP=""
  B_PREP_VOLPORT="rm -f $vout; sync; cat $2 >/dev/null"
  B_PREP_REFERENCE="rm -f $rout $tmp; sync; cat $2 >/dev/null"
  B_VOLPORT="cat $2 | {RSS} $(volport_cmd) import bench-dst:100/vm-100-disk-0.qcow2 raw+size -"
  B_REFERENCE="cat $2 | tail -c +9 | dd of=$tmp conv=sparse bs=64k status=none && {RSS} qemu-img convert -f raw -O qcow2 $tmp $rout && sync"
  B_VERIFY=verify_user_import
  run_pair
  rm -f "$vout" "$rout" "$tmp"
}

need_user_streams() {  # the full image as a raw+size stream (the 90 %-empty one is need_images' STREAM_90ZERO)
  STREAM_IMG_FULL=$WORK/data/img-full.stream
  if ! have "$STREAM_IMG_FULL"; then
    log "data: $STREAM_IMG_FULL (raw+size of img-full.raw)"
    { size_header "$IMG_SIZE"; cat "$IMG_FULL"; } >"$STREAM_IMG_FULL"; record "$STREAM_IMG_FULL"; DATA_SYNC=1
  fi
}

case_user_qcow2_import() {
  need_images; need_user_streams; settle; user_startup_ms >/dev/null
  user_import_variant full "$STREAM_IMG_FULL" "$IMG_FULL"
  user_import_variant 90pct-empty "$STREAM_90ZERO" "$IMG_90ZERO"
}
