#!/bin/sh
echo "hello from $(cat /etc/built-on)"
