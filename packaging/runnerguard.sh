#!/bin/sh
# Runs the bundled agent on the system nodejs (Node >= 18.20).
# The daemon only waits and forks one child per cycle: V8's lite mode (no
# optimizing compiler) trims its resident memory; the cycle child drops it.
case "$1" in
daemon) exec /usr/bin/node --lite-mode /usr/lib/runnerguard/runnerguard.mjs "$@" ;;
*) exec /usr/bin/node /usr/lib/runnerguard/runnerguard.mjs "$@" ;;
esac
