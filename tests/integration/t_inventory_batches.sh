#!/usr/bin/env bash
# t_inventory again with one-row import batches, so every merge-in-either-
# order, precertificate, conflict and duplicate scenario crosses batch
# boundaries (the batched merge and its take-back path; import.c).
export LASTLEAF_IMPORT_BATCH_ROWS=1
export LL_TEST_DB_PREFIX="${LL_TEST_DB_PREFIX:-t}b1"
exec bash "$LL_SRC/tests/integration/t_inventory.sh"
