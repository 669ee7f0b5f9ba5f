#!/bin/sh
# Runs the bundled agent on the system nodejs (Node >= 18.20).
# The daemon only waits and forks one child per cycle: it runs its own small
# bundle (runnerguard-daemon.mjs, none of the audit in it), under V8's lite
# mode (no optimizing compiler) to trim its resident memory, with --expose-gc
# to collect after each cycle (see agent/daemon/daemon.ts). Each cycle child
# runs runnerguard.mjs without either flag.
case "$1" in
daemon) exec /usr/bin/node --lite-mode --expose-gc /usr/lib/runnerguard/runnerguard-daemon.mjs "$@" ;;
*) exec /usr/bin/node /usr/lib/runnerguard/runnerguard.mjs "$@" ;;
esac
