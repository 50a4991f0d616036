#!/bin/bash
# Checks that every node can greet.
hostname
