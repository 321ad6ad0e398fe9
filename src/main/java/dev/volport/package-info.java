/**
 * volport: moves storage volumes between storages and hosts as byte streams, wire-compatible with Proxmox VE's
 * {@code pvesm export}/{@code pvesm import}. The sub-packages and their allowed dependencies are listed in
 * {@code docs/architecture.md} and enforced by {@code ArchitectureTest}.
 */
package dev.volport;
