/**
 * Single-file VMDK images: reading the guest content of monolithicSparse and streamOptimized files, validating them
 * for {@code vmdk+size} imports, and writing monolithicSparse ones. No external tool is used.
 *
 * <p>Sources, as summarised in {@code docs/reference/image-formats.md} Part B: VMware's "Virtual Disk Format 1.1"
 * technical note (sections "The Descriptor File", "Hosted Sparse Extents", "Stream-Optimized Compressed Sparse
 * Extents"), Joachim Metz's libvmdk format description ("File header", "Grain directory", "Markers", "Compressed
 * grain data") and QEMU's {@code block/vmdk.c} as the reference for what {@code qemu-img} writes and accepts.
 * <ul>
 * <li>B.1 files and subformats: only monolithicSparse and streamOptimized hold their data in one file
 * ({@link dev.volport.format.vmdk.Subformat}); descriptor-only, flat, split, VMFS and delta disks are refused.</li>
 * <li>B.2 descriptor text: {@link dev.volport.format.vmdk.VmdkDescriptor}, with OpenStack format_inspector's
 * restrictions (hostile-inputs.md §2).</li>
 * <li>B.3 the {@code KDMV} header: {@link dev.volport.format.vmdk.SparseExtentHeader}, limits in
 * {@link dev.volport.format.vmdk.VmdkLimits}.</li>
 * <li>B.4 grain directory and tables, zeroed-grain entries (B.6): {@link dev.volport.format.vmdk.VmdkImage}.</li>
 * <li>B.5 streamOptimized markers and footer: {@link dev.volport.format.vmdk.StreamMarker}, both QEMU's layout
 * (tables up front) and VMware's (directory at the end, footer in the second-to-last sector).</li>
 * <li>QEMU's monolithicSparse layout (B.4): {@link dev.volport.format.vmdk.VmdkWriter}.</li>
 * </ul>
 * Every number read from a file is checked against a named limit before use, with exact arithmetic; errors are
 * {@link dev.volport.format.FormatException}s naming the file, the field, the value and the accepted range.
 * Depends only on {@code dev.volport.format}, {@code dev.volport.io} and the JDK.
 */
package dev.volport.format.vmdk;
