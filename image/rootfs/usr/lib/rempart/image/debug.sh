#!/bin/sh
# Follows rempartd's log with every field it logged (error=..., level=...), without journald's
# own fields. Run by rempart-debug.service on test boots only.
journalctl -b -f -n all -o verbose -u rempartd.service |
  grep --line-buffered -vE '^    (_|SYSLOG_|PRIORITY=|CODE_|INVOCATION_ID|MESSAGE_ID|TID=)'
