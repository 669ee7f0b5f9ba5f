#!/bin/sh
# Runs the bundled agent on the system nodejs (Node >= 18.20).
# The daemon only waits and forks one child per cycle: V8's lite mode (no
# optimizing compiler) trims its resident memory, and --expose-gc lets it
# collect after each cycle (see agent/daemon/daemon.ts); the cycle child
# runs without either.
case "$1" in
daemon) exec /usr/bin/node --lite-mode --expose-gc /usr/lib/runnerguard/runnerguard.mjs "$@" ;;
*) exec /usr/bin/node /usr/lib/runnerguard/runnerguard.mjs "$@" ;;
esac
