/*
 * Gradient-boosted tree ensembles (XGBoost's gbtree) over a dense float32 matrix: margins summed tree by
 * tree in float32, in the same order as XGBoost's CPU predictor, so they are bit-identical to its
 * output_margin.
 *
 * The model is a node table made by kernels/trees.ts from XGBoost's JSON (children side by side: the
 * right child is left + 1), as parallel arrays:
 *   info[n]  bits 0-27 feature; bit 30 categorical split; bit 31 missing values go left
 *   cond[n]  the split threshold (go left when x < cond); NaN for a leaf
 *   left[n]  the left child; a leaf points at itself
 *   leaf[n]  a leaf's value
 *   cat[n]   categorical split: first word of its category bit set (bit c set: category c goes right),
 *   ncat[n]  and its number of 32-bit words
 * and per tree: root, depth (levels below the root) and output group.
 * A leaf is a fixed point of the descent (NaN threshold, missing goes left, left is itself), so every
 * row takes exactly `depth` steps with no branch on the data: rows are taken in blocks, each step done
 * for the whole block (independent loads the CPU can overlap).
 */
#include <stdint.h>
#include <stddef.h>

#define KEXPORT(name) __attribute__((export_name(#name)))
#define FEAT_MASK 0x0fffffffu
#define BLOCK 64

/*
 * A node. info: bits 0-27 the feature, bit 30 a categorical split, bit 31 missing values go left.
 * cond: a numeric split's threshold (float32 bits; go left when x < cond), NaN for a leaf; a categorical
 * split's category set as a bit mask when catMode is 1 (see mk_trees_predict), else unused.
 * left: the left child (the right child is left + 1); a leaf points at itself. cw: catMode 2, the offset
 * in catbits of the split's set: its word count, then the words (bit c: category c goes right).
 */
typedef struct { uint32_t info; uint32_t cond; int32_t left; uint32_t cw; } Node;

static inline float as_float(uint32_t u) { union { uint32_t u; float f; } c = { u }; return c.f; }
static inline uint32_t as_uint(float f) { union { float f; uint32_t u; } c = { f }; return c.u; }

/* XGBoost's categorical decision (common::Decision): a category in the node's set goes right; a negative,
   too large (>= 2^24 - 1, its kMaxCat) or unlisted category goes left; the value is truncated (AsCat) */
static inline uint32_t cat_right(float v, const uint32_t *set) {
  if (!(v >= 0.0f && v < 16777215.0f)) return 0;
  uint32_t c = (uint32_t)v;
  if ((c >> 5) >= set[0]) return 0;
  return (set[1 + (c >> 5)] >> (c & 31)) & 1u;
}

/*
 * exported: margins [rows * groups] (initialised by the caller with the base margin) += the sum of trees
 * [t0, t1) for each row of x [rows * cols] (NaN: missing). Per tree: root node, depth (levels below the
 * root: every row takes exactly that many steps, a leaf being a fixed point), output group.
 * catMode: 0 no categorical splits; 1 every set within categories 0-29: a categorical feature's values
 * (iscat[f] != 0) are first mapped, a block of rows at a time into work [BLOCK * cols], to a bit
 * position (category c -> c + 1, invalid -> 31, missing stays NaN -> bit 0), so a split is one shift of
 * its mask with no branch; 2 any sets (catbits), with a branch per categorical node.
 */
KEXPORT(mk_trees_predict)
void mk_trees_predict(int rows, int cols, const float *x, int t0, int t1, int groups, const int32_t *root,
                      const int32_t *depth, const int32_t *group, const Node *nodes, const float *leaf,
                      int catMode, const uint8_t *iscat, const uint32_t *catbits, float *work, float *margin) {
  int32_t idx[BLOCK];
  for (int r0 = 0; r0 < rows; r0 += BLOCK) {
    int nb = rows - r0 < BLOCK ? rows - r0 : BLOCK;
    const float *xb = x + (size_t)r0 * cols;
    float *mb = margin + (size_t)r0 * groups;
    if (catMode == 1) {
      for (int r = 0; r < nb; r++)
        for (int f = 0; f < cols; f++) {
          float v = xb[(size_t)r * cols + f];
          if (iscat[f] && v == v) v = (v >= 0.0f && v < 16777215.0f && v < 30.0f) ? (float)((uint32_t)v + 1u) : 31.0f;
          work[(size_t)r * cols + f] = v;
        }
      xb = work;
    }
    for (int t = t0; t < t1; t++) {
      int32_t rt = root[t];
      for (int r = 0; r < nb; r++) idx[r] = rt;
      int d = depth[t];
      if (catMode == 0) {
        for (int s = 0; s < d; s++)
          for (int r = 0; r < nb; r++) {
            const Node *nd = nodes + idx[r];
            uint32_t in = nd->info;
            float v = xb[(size_t)r * cols + (in & FEAT_MASK)];
            /* x >= cond, or missing with missing going right (NaN compares false) */
            uint32_t right = (uint32_t)(v >= as_float(nd->cond)) | ((uint32_t)(v != v) & ((in >> 31) ^ 1u));
            idx[r] = nd->left + (int32_t)right;
          }
      } else if (catMode == 1) {
        for (int s = 0; s < d; s++)
          for (int r = 0; r < nb; r++) {
            const Node *nd = nodes + idx[r];
            uint32_t in = nd->info, cond = nd->cond;
            float v = xb[(size_t)r * cols + (in & FEAT_MASK)];
            /* the bit position from the float's mantissa (v + 2^23 holds the integer v in its low bits; NaN
               gives 0), with no float-to-int conversion */
            uint32_t bit = (cond >> (as_uint(v + 8388608.0f) & 31u)) & 1u;
            uint32_t right = ((in >> 30) & 1u) ? bit : (uint32_t)(v >= as_float(cond));
            idx[r] = nd->left + (int32_t)(right | ((uint32_t)(v != v) & ((in >> 31) ^ 1u)));
          }
      } else {
        for (int s = 0; s < d; s++)
          for (int r = 0; r < nb; r++) {
            const Node *nd = nodes + idx[r];
            uint32_t in = nd->info;
            float v = xb[(size_t)r * cols + (in & FEAT_MASK)];
            uint32_t right;
            if (v != v) right = (in >> 31) ^ 1u;
            else if (in & 0x40000000u) right = cat_right(v, catbits + nd->cw);
            else right = (uint32_t)(v >= as_float(nd->cond)); /* a leaf's NaN threshold: 0 */
            idx[r] = nd->left + (int32_t)right;
          }
      }
      int g = group[t];
      for (int r = 0; r < nb; r++) mb[(size_t)r * groups + g] += leaf[idx[r]];
    }
  }
}
