#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# check-man.sh PAGE...: render each man page and fail on any warning.
# Renders with man(1) (man-db) if installed, and with groff -ww (every
# warning) if groff is; exits 77 (skip) if neither is installed.
set -u

tools=
command -v man >/dev/null 2>&1 && tools="man"
command -v groff >/dev/null 2>&1 && tools="$tools groff"
if [ -z "$tools" ]; then
	echo "SKIP: groff/man not installed"
	exit 77
fi

status=0
for page in "$@"; do
	if [ ! -r "$page" ]; then
		echo "FAIL: $page: cannot read it"
		status=1
		continue
	fi
	for tool in $tools; do
		if [ "$tool" = man ]; then
			warnings=$(MANWIDTH=80 man --warnings -E UTF-8 -l -Tutf8 "$page" 2>&1 >/dev/null)
		else
			warnings=$(groff -man -Tutf8 -ww -z "$page" 2>&1)
		fi
		rc=$?
		if [ $rc -ne 0 ] || [ -n "$warnings" ]; then
			echo "FAIL: $page ($tool, exit $rc):"
			printf '%s\n' "$warnings"
			status=1
		else
			echo "ok: $page ($tool)"
		fi
	done
done
exit $status
