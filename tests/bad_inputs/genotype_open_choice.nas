genotype g for simsiam {
  head projector(x: 512) {
    z = linear(x, 256) | bn | act{relu, gelu}
  }
}
