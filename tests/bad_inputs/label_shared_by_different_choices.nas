# choices sharing a label make one decision, so they need the same candidates
space s {
  head projector(x: 512) {
    h = linear(x, 256) | act{relu, gelu} as hidden
    z = linear(h, 256) | act{relu, silu} as hidden
  }
}
