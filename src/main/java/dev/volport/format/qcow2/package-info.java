/**
 * qcow2 images (QEMU's {@code docs/interop/qcow2.txt}, summarised and cross-checked against qemu-img 7.2 in
 * {@code docs/reference/image-formats.md} Part A): the header and its extensions ("Header", "Header extensions",
 * A.2-A.4) in {@link dev.volport.format.qcow2.Qcow2Header}; the limits of A.5 in
 * {@link dev.volport.format.qcow2.Qcow2Limits}; cluster mapping, extended L2 entries, compressed clusters,
 * snapshots and backing files ("Cluster mapping", "Extended L2 Entries", "Compressed Clusters Descriptor",
 * "Snapshots", A.6-A.11) in the streaming reader {@link dev.volport.format.qcow2.Qcow2Image}; refcounts ("Host
 * cluster management", A.9) and the reader checklist of A.16 in {@link dev.volport.format.qcow2.Qcow2Validator};
 * the new-image layout of A.13-A.15 in {@link dev.volport.format.qcow2.Qcow2Writer}; creating, deleting and
 * reverting internal snapshots ("Snapshots", "Host cluster management", A.9-A.10) in
 * {@link dev.volport.format.qcow2.Qcow2Snapshots}.
 *
 * <p>The package reads untrusted files: every count, length and offset is checked before use, memory is bounded
 * independently of the virtual size, and it never opens a path itself (backing files come only through a
 * {@link dev.volport.format.qcow2.BackingResolver}). Encryption, external data files, the corrupt bit and unknown
 * incompatible features are refused (hostile-inputs.md §3.1-§3.3).
 */
package dev.volport.format.qcow2;
