space numbers {
  meta {
    samples = 5k
    budget = 2M
    big = 1G
    grouped = 2_048
    small = 0.001
    sci = 1.5e3
    neg_exp = 2e-4
  }
  let dim = 2k
  let widths = {1k, 2_048, 4K}
  head projector(x: 512) {
    z = linear(x, width(widths)) | bn(eps=1e-5, momentum=0.1) | elu(alpha=1)
  }
  constraint params <= 5M
  constraint params(projector) >= 250k
  constraint flops < 1_000_000_000
  constraint params <= 12_345_678
  constraint params >= 5k
}
