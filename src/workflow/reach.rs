//! Reachability through run-after among siblings, answered without a walk
//! per question in the common cases and without recursion anywhere, so
//! that it stays fast and safe on a run-after chain or cycle of any length.
//!
//! Built once from the predecessor lists (`preds[x]` = the siblings `x`
//! waits for), it condenses the cycles (strongly connected components,
//! Kosaraju with an explicit stack), ranks the components in topological
//! order, and labels a spanning forest of the condensed graph (each
//! component's tree parent is one of its predecessors) with pre/post
//! numbers. A question "does `from` wait, directly or not, for `target`?"
//! is then answered:
//! - inside one component: yes when the component is a real cycle;
//! - no when `target` does not rank before `from`;
//! - yes when `target` is a tree ancestor of `from` (every chain);
//! - otherwise by a walk backwards that stops at the first tree ancestor
//!   hit and never goes below `target`'s rank (joins of parallel branches).

use std::collections::HashSet;

/// The reachability index of one set of predecessor lists.
#[derive(Debug, Clone)]
pub struct Reach {
    /// Component of each node.
    comp: Vec<u32>,
    /// Whether each component is a real cycle (several nodes, or a node
    /// waiting for itself).
    cyclic: Vec<bool>,
    /// Distinct predecessor components of each component.
    cpreds: Vec<Vec<u32>>,
    /// Topological rank of each component (predecessors rank lower).
    rank: Vec<u32>,
    /// Pre and post numbers in the spanning forest.
    pre: Vec<u32>,
    post: Vec<u32>,
}

impl Reach {
    /// Builds the index; `preds[x]` lists the nodes `x` waits for (indices
    /// into the same vector; out-of-range entries are ignored).
    pub fn new(preds: &[Vec<usize>]) -> Reach {
        let n = preds.len();
        let preds: Vec<Vec<usize>> = preds
            .iter()
            .map(|p| p.iter().copied().filter(|&q| q < n).collect())
            .collect();
        let mut succs: Vec<Vec<usize>> = vec![Vec::new(); n];
        for (x, ps) in preds.iter().enumerate() {
            for &p in ps {
                succs[p].push(x);
            }
        }
        // Kosaraju: post-order over successors, then components over
        // predecessors in reverse post-order. Both walks use a stack.
        let mut order = Vec::with_capacity(n);
        let mut seen = vec![false; n];
        let mut stack: Vec<(usize, usize)> = Vec::new();
        for s in 0..n {
            if seen[s] {
                continue;
            }
            seen[s] = true;
            stack.push((s, 0));
            while let Some(&mut (v, ref mut i)) = stack.last_mut() {
                if let Some(&w) = succs[v].get(*i) {
                    *i += 1;
                    if !seen[w] {
                        seen[w] = true;
                        stack.push((w, 0));
                    }
                } else {
                    order.push(v);
                    stack.pop();
                }
            }
        }
        const NONE: u32 = u32::MAX;
        let mut comp = vec![NONE; n];
        let mut sizes: Vec<usize> = Vec::new();
        let mut work = Vec::new();
        for &s in order.iter().rev() {
            if comp[s] != NONE {
                continue;
            }
            let c = sizes.len() as u32;
            sizes.push(0);
            comp[s] = c;
            work.push(s);
            while let Some(v) = work.pop() {
                sizes[c as usize] += 1;
                for &p in &preds[v] {
                    if comp[p] == NONE {
                        comp[p] = c;
                        work.push(p);
                    }
                }
            }
        }
        let nc = sizes.len();
        let mut cyclic: Vec<bool> = sizes.iter().map(|&s| s > 1).collect();
        let mut cpreds: Vec<Vec<u32>> = vec![Vec::new(); nc];
        for (x, ps) in preds.iter().enumerate() {
            let cx = comp[x];
            for &p in ps {
                let cp = comp[p];
                if cp == cx {
                    if p == x {
                        cyclic[cx as usize] = true;
                    }
                } else {
                    cpreds[cx as usize].push(cp);
                }
            }
        }
        for l in &mut cpreds {
            l.sort_unstable();
            l.dedup();
        }
        // Kosaraju numbers components in topological order of the
        // successor direction: predecessors come first. Check and rank.
        let rank: Vec<u32> = (0..nc as u32).collect();
        debug_assert!(cpreds
            .iter()
            .enumerate()
            .all(|(c, ps)| ps.iter().all(|&p| p < c as u32)));
        // Spanning forest: the tree parent of a component is its
        // highest-ranked predecessor (the nearest, for a chain).
        let mut children: Vec<Vec<u32>> = vec![Vec::new(); nc];
        let mut roots = Vec::new();
        for (c, ps) in cpreds.iter().enumerate() {
            match ps.iter().max_by_key(|&&p| rank[p as usize]) {
                Some(&p) => children[p as usize].push(c as u32),
                None => roots.push(c as u32),
            }
        }
        let (mut pre, mut post) = (vec![0u32; nc], vec![0u32; nc]);
        let mut clock = 0u32;
        let mut stack: Vec<(u32, usize)> = Vec::new();
        for r in roots {
            pre[r as usize] = clock;
            clock += 1;
            stack.push((r, 0));
            while let Some(&mut (v, ref mut i)) = stack.last_mut() {
                if let Some(&w) = children[v as usize].get(*i) {
                    *i += 1;
                    pre[w as usize] = clock;
                    clock += 1;
                    stack.push((w, 0));
                } else {
                    post[v as usize] = clock;
                    clock += 1;
                    stack.pop();
                }
            }
        }
        Reach {
            comp,
            cyclic,
            cpreds,
            rank,
            pre,
            post,
        }
    }

    fn tree_ancestor(&self, a: usize, c: usize) -> bool {
        self.pre[a] <= self.pre[c] && self.post[c] <= self.post[a]
    }

    /// Whether `from` waits, directly or through others, for `target`
    /// (a node waits for itself only through a cycle).
    pub fn reaches_back(&self, from: usize, target: usize) -> bool {
        let (Some(&cf), Some(&ct)) = (self.comp.get(from), self.comp.get(target)) else {
            return false;
        };
        let (cf, ct) = (cf as usize, ct as usize);
        if cf == ct {
            return self.cyclic[cf];
        }
        if self.rank[ct] >= self.rank[cf] {
            return false;
        }
        if self.tree_ancestor(ct, cf) {
            return true;
        }
        let floor = self.rank[ct];
        let mut seen: HashSet<u32> = HashSet::new();
        let mut stack: Vec<u32> = vec![cf as u32];
        while let Some(c) = stack.pop() {
            for &p in &self.cpreds[c as usize] {
                let pu = p as usize;
                if pu == ct || self.tree_ancestor(ct, pu) {
                    return true;
                }
                if self.rank[pu] > floor && seen.insert(p) {
                    stack.push(p);
                }
            }
        }
        false
    }
}

#[cfg(test)]
mod tests {
    use super::Reach;

    /// The plain walk the index must agree with.
    fn walk(preds: &[Vec<usize>], from: usize, target: usize) -> bool {
        let mut seen = vec![false; preds.len()];
        let mut stack = preds[from].clone();
        while let Some(p) = stack.pop() {
            if p == target {
                return true;
            }
            if !seen[p] {
                seen[p] = true;
                stack.extend(preds[p].iter().copied());
            }
        }
        false
    }

    #[test]
    fn agrees_with_a_plain_walk_on_random_graphs() {
        let mut rng = 0x2545_F491_4F6C_DD1Du64;
        let mut next = |m: usize| {
            rng ^= rng << 13;
            rng ^= rng >> 7;
            rng ^= rng << 17;
            (rng % m as u64) as usize
        };
        for round in 0..300 {
            let n = 1 + next(24);
            let back_edges = round % 3 == 0;
            let preds: Vec<Vec<usize>> = (0..n)
                .map(|x| {
                    let k = next(4);
                    (0..k)
                        .filter_map(|_| {
                            let p = next(n);
                            (p < x || back_edges).then_some(p)
                        })
                        .collect()
                })
                .collect();
            let r = Reach::new(&preds);
            for a in 0..n {
                for b in 0..n {
                    assert_eq!(
                        r.reaches_back(a, b),
                        walk(&preds, a, b),
                        "{a} -> {b} in {preds:?}"
                    );
                }
            }
        }
    }

    #[test]
    fn a_long_chain_and_cycle_need_no_recursion() {
        let n = 200_000;
        let mut preds: Vec<Vec<usize>> = (0..n)
            .map(|i| if i > 0 { vec![i - 1] } else { vec![] })
            .collect();
        let r = Reach::new(&preds);
        assert!(r.reaches_back(n - 1, 0));
        assert!(!r.reaches_back(0, n - 1));
        preds[0].push(n - 1);
        let r = Reach::new(&preds);
        assert!(r.reaches_back(0, n - 1));
        assert!(r.reaches_back(5, 5));
    }
}
