# unbound-lib.sh: being written
