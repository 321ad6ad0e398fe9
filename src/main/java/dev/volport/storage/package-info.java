/**
 * The storage plugin interface ({@link dev.volport.storage.Storage}) and its registry; one sub-package per
 * storage type. Storage types never depend on one another.
 */
package dev.volport.storage;
