#!/bin/bash
# Stock-kernel tier: placeholder until the qemu harness lands.
echo "qemu: SKIP (harness not written yet)"
