/**
 * Transfers between storages: format negotiation ({@link dev.volport.transfer.Negotiation}) and, as they land,
 * the orchestration of export, conversion and import.
 */
package dev.volport.transfer;
