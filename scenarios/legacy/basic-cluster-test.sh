#!/bin/bash
# Checks that the basic cluster is up: quorate, with every node a member.
set -e
crm_mon -1 | grep -q 'partition with quorum'
members=$(crm_node -l | awk '$3 == "member"' | wc -l)
test "$members" -eq "$(echo $PHD_ENV_nodes | wc -w)"
