test -n "$PHD_VAR_cluster_name"
hostname
