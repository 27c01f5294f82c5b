//! Subscription tries: topics are byte-string prefixes, and a message matches a subscription
//! when the subscription is a prefix of the message's first part (the empty subscription
//! matches everything).
//!
//! Two flavours share one tree:
//! - [`Trie`] (SUB, XSUB): a reference count per prefix. Subscribing twice needs two
//!   unsubscribes; only the first subscribe and the last unsubscribe are news upstream.
//! - [`MTrie`] (PUB, XPUB): per prefix, the set of pipes subscribed to it. A pipe is in a set
//!   at most once, however often it subscribes (its SUB already counts duplicates).
//!
//! The tree keeps one node per byte in an arena, with parent links, so that every walk (add,
//! remove, match, visiting all prefixes) is a loop: a topic of any length cannot exhaust the
//! stack.

/// What a node stores for the prefix that leads to it.
pub trait Slot: Default {
    /// Nothing is stored: the node can go once it has no children either.
    fn is_vacant(&self) -> bool;
}

impl Slot for u32 {
    fn is_vacant(&self) -> bool {
        *self == 0
    }
}

/// A small set of pipe indices, kept sorted.
#[derive(Default, Debug, Clone, PartialEq, Eq)]
pub struct PipeSet(Vec<usize>);

impl PipeSet {
    /// Adds `pipe`; false if it was already there.
    fn insert(&mut self, pipe: usize) -> bool {
        match self.0.binary_search(&pipe) {
            Ok(_) => false,
            Err(at) => {
                self.0.insert(at, pipe);
                true
            }
        }
    }

    /// Removes `pipe`; false if it was not there.
    fn remove(&mut self, pipe: usize) -> bool {
        match self.0.binary_search(&pipe) {
            Ok(at) => {
                self.0.remove(at);
                true
            }
            Err(_) => false,
        }
    }

    fn contains(&self, pipe: usize) -> bool {
        self.0.binary_search(&pipe).is_ok()
    }

    pub fn iter(&self) -> impl Iterator<Item = usize> + '_ {
        self.0.iter().copied()
    }
}

impl Slot for PipeSet {
    fn is_vacant(&self) -> bool {
        self.0.is_empty()
    }
}

const ROOT: u32 = 0;
const NO_PARENT: u32 = u32::MAX;

struct Node<V> {
    value: V,
    parent: u32,
    /// The byte on the edge from the parent.
    byte: u8,
    /// (byte, node), sorted by byte.
    children: Vec<(u8, u32)>,
}

impl<V: Slot> Node<V> {
    fn new(parent: u32, byte: u8) -> Node<V> {
        Node {
            value: V::default(),
            parent,
            byte,
            children: Vec::new(),
        }
    }
}

/// The tree both tries are made of.
struct Tree<V> {
    nodes: Vec<Node<V>>,
    free: Vec<u32>,
}

impl<V: Slot> Default for Tree<V> {
    fn default() -> Self {
        Tree {
            nodes: vec![Node::new(NO_PARENT, 0)],
            free: Vec::new(),
        }
    }
}

impl<V: Slot> Tree<V> {
    fn child(&self, n: u32, byte: u8) -> Option<u32> {
        let ch = &self.nodes[n as usize].children;
        ch.binary_search_by_key(&byte, |&(b, _)| b)
            .ok()
            .map(|at| ch[at].1)
    }

    fn find(&self, prefix: &[u8]) -> Option<u32> {
        let mut n = ROOT;
        for &b in prefix {
            n = self.child(n, b)?;
        }
        Some(n)
    }

    fn find_or_create(&mut self, prefix: &[u8]) -> u32 {
        let mut n = ROOT;
        for &b in prefix {
            let at = self.nodes[n as usize]
                .children
                .binary_search_by_key(&b, |&(c, _)| c);
            n = match at {
                Ok(at) => self.nodes[n as usize].children[at].1,
                Err(at) => {
                    let new = match self.free.pop() {
                        Some(f) => {
                            self.nodes[f as usize] = Node::new(n, b);
                            f
                        }
                        None => {
                            self.nodes.push(Node::new(n, b));
                            (self.nodes.len() - 1) as u32
                        }
                    };
                    self.nodes[n as usize].children.insert(at, (b, new));
                    new
                }
            };
        }
        n
    }

    /// Removes `n` and its ancestors for as long as they store nothing and have no other
    /// children (the root stays).
    fn prune(&mut self, mut n: u32) {
        while n != ROOT {
            let node = &self.nodes[n as usize];
            // A node pruned already (its parent link is gone) or still in use stays.
            if node.parent == NO_PARENT || !node.value.is_vacant() || !node.children.is_empty() {
                return;
            }
            let (parent, byte) = (node.parent, node.byte);
            let siblings = &mut self.nodes[parent as usize].children;
            if let Ok(at) = siblings.binary_search_by_key(&byte, |&(b, _)| b) {
                siblings.remove(at);
            }
            self.nodes[n as usize] = Node::new(NO_PARENT, 0);
            self.free.push(n);
            n = parent;
        }
    }

    /// Visits every node in prefix order (a prefix before its extensions, siblings by byte),
    /// with the prefix that leads to it.
    fn visit(&self, mut f: impl FnMut(u32, &[u8])) {
        let mut prefix = Vec::new();
        // (node, its depth): the prefix is cut back to the depth before the node's byte.
        let mut stack = vec![(ROOT, 0usize)];
        while let Some((n, depth)) = stack.pop() {
            prefix.truncate(depth.saturating_sub(1));
            if n != ROOT {
                prefix.push(self.nodes[n as usize].byte);
            }
            f(n, &prefix);
            for &(_, c) in self.nodes[n as usize].children.iter().rev() {
                stack.push((c, depth + 1));
            }
        }
    }

    /// The nodes along `data`, from the root (the empty prefix) down as far as the tree goes.
    fn walk<'a>(&'a self, data: &'a [u8]) -> impl Iterator<Item = u32> + 'a {
        let mut next = Some(ROOT);
        let mut rest = data.iter();
        std::iter::from_fn(move || {
            let n = next?;
            next = rest.next().and_then(|&b| self.child(n, b));
            Some(n)
        })
    }

    fn value(&self, n: u32) -> &V {
        &self.nodes[n as usize].value
    }

    fn value_mut(&mut self, n: u32) -> &mut V {
        &mut self.nodes[n as usize].value
    }
}

/// Prefixes with a reference count (SUB and XSUB).
#[derive(Default)]
pub struct Trie {
    tree: Tree<u32>,
    prefixes: usize,
}

impl Trie {
    /// Adds one reference to `prefix`; true if the prefix is new.
    pub fn add(&mut self, prefix: &[u8]) -> bool {
        let n = self.tree.find_or_create(prefix);
        let count = self.tree.value_mut(n);
        *count = count.saturating_add(1);
        let new = *count == 1;
        if new {
            self.prefixes += 1;
        }
        new
    }

    /// Drops one reference to `prefix`; true if that was the last one (false as well when
    /// the prefix was not there).
    pub fn rm(&mut self, prefix: &[u8]) -> bool {
        let Some(n) = self.tree.find(prefix) else {
            return false;
        };
        let count = self.tree.value_mut(n);
        if *count == 0 {
            return false;
        }
        *count -= 1;
        if *count > 0 {
            return false;
        }
        self.prefixes -= 1;
        self.tree.prune(n);
        true
    }

    /// True if some prefix of `data` (possibly the empty one) is subscribed.
    pub fn check(&self, data: &[u8]) -> bool {
        self.tree.walk(data).any(|n| *self.tree.value(n) > 0)
    }

    /// Calls `f` once for each subscribed prefix, in prefix order.
    pub fn apply(&self, mut f: impl FnMut(&[u8])) {
        self.tree.visit(|n, prefix| {
            if *self.tree.value(n) > 0 {
                f(prefix)
            }
        });
    }

    /// How many distinct prefixes are subscribed (ZMQ_TOPICS_COUNT).
    pub fn num_prefixes(&self) -> usize {
        self.prefixes
    }
}

/// What [`MTrie::rm`] found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Removed {
    /// The pipe was not subscribed to the prefix.
    NotFound,
    /// The pipe was the last one subscribed to the prefix.
    LastValueRemoved,
    /// Other pipes are still subscribed to the prefix.
    ValuesRemain,
}

/// Prefixes with the set of pipes subscribed to each (PUB and XPUB).
#[derive(Default)]
pub struct MTrie {
    tree: Tree<PipeSet>,
    prefixes: usize,
}

impl MTrie {
    /// Subscribes `pipe` to `prefix`; true if nobody was subscribed to it before.
    pub fn add(&mut self, prefix: &[u8], pipe: usize) -> bool {
        let n = self.tree.find_or_create(prefix);
        let set = self.tree.value_mut(n);
        let first = set.is_vacant();
        set.insert(pipe);
        if first {
            self.prefixes += 1;
        }
        first
    }

    /// Unsubscribes `pipe` from `prefix`.
    pub fn rm(&mut self, prefix: &[u8], pipe: usize) -> Removed {
        let Some(n) = self.tree.find(prefix) else {
            return Removed::NotFound;
        };
        let set = self.tree.value_mut(n);
        if !set.remove(pipe) {
            return Removed::NotFound;
        }
        if !set.is_vacant() {
            return Removed::ValuesRemain;
        }
        self.prefixes -= 1;
        self.tree.prune(n);
        Removed::LastValueRemoved
    }

    /// Removes `pipe` from every prefix, calling `f` for each prefix it was subscribed to
    /// (in prefix order), or, with `only_last`, only for those nobody else subscribes to.
    pub fn rm_pipe(&mut self, pipe: usize, only_last: bool, mut f: impl FnMut(&[u8])) {
        let mut found = Vec::new();
        let tree = &self.tree;
        tree.visit(|n, prefix| {
            if tree.value(n).contains(pipe) {
                found.push((n, prefix.to_vec()));
            }
        });
        let mut emptied = Vec::new();
        for (n, prefix) in found {
            let set = self.tree.value_mut(n);
            if !set.remove(pipe) {
                continue;
            }
            let last = set.is_vacant();
            if last {
                emptied.push(n);
            }
            if !only_last || last {
                f(&prefix);
            }
        }
        self.prefixes -= emptied.len();
        // Deepest first, so a parent is only looked at once its children are gone.
        for n in emptied.into_iter().rev() {
            self.tree.prune(n);
        }
    }

    /// Calls `f` for every pipe subscribed to a prefix of `data`; a pipe subscribed to
    /// several such prefixes is reported once for each.
    pub fn match_pipes(&self, data: &[u8], mut f: impl FnMut(usize)) {
        for n in self.tree.walk(data) {
            for p in self.tree.value(n).iter() {
                f(p);
            }
        }
    }

    /// True if `pipe` is subscribed to `prefix`.
    pub fn has(&self, prefix: &[u8], pipe: usize) -> bool {
        self.tree
            .find(prefix)
            .is_some_and(|n| self.tree.value(n).contains(pipe))
    }

    /// How many distinct prefixes have at least one subscriber (ZMQ_TOPICS_COUNT).
    pub fn num_prefixes(&self) -> usize {
        self.prefixes
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all(t: &Trie) -> Vec<Vec<u8>> {
        let mut v = Vec::new();
        t.apply(|p| v.push(p.to_vec()));
        v
    }

    #[test]
    fn trie_counts_references() {
        let mut t = Trie::default();
        assert!(t.add(b"abc"));
        assert!(!t.add(b"abc"));
        assert!(t.add(b"ab"));
        assert_eq!(t.num_prefixes(), 2);
        assert!(!t.rm(b"abc"), "one reference left");
        assert!(t.check(b"abcd"));
        assert!(t.rm(b"abc"), "last reference");
        assert!(!t.rm(b"abc"), "gone already");
        assert!(!t.rm(b"zzz"), "never there");
        assert_eq!(t.num_prefixes(), 1);
        assert!(t.check(b"abcd"), "still matched by ab");
        assert!(t.rm(b"ab"));
        assert_eq!(t.num_prefixes(), 0);
        assert!(!t.check(b"abcd"));
        // Everything was pruned: only the root is live.
        assert_eq!(t.tree.nodes.len() - t.tree.free.len(), 1);
    }

    #[test]
    fn trie_matches_prefixes() {
        let mut t = Trie::default();
        assert!(!t.check(b""));
        assert!(!t.check(b"anything"));
        t.add(b"news.");
        assert!(t.check(b"news.sport"));
        assert!(t.check(b"news."));
        assert!(!t.check(b"news"));
        assert!(!t.check(b"weather"));
        t.add(b"");
        assert!(
            t.check(b"weather"),
            "the empty subscription matches everything"
        );
        assert!(t.check(b""));
        t.rm(b"");
        assert!(!t.check(b"weather"));
        assert!(!t.check(b""));
    }

    #[test]
    fn trie_prunes_only_unused_branches() {
        let mut t = Trie::default();
        t.add(b"a");
        t.add(b"abc");
        t.add(b"abd");
        assert!(t.rm(b"abc"));
        assert!(t.check(b"abd"));
        assert!(t.check(b"a"));
        assert!(!t.check(b"") && t.check(b"ax"));
        assert_eq!(all(&t), vec![b"a".to_vec(), b"abd".to_vec()]);
        assert!(t.rm(b"abd"));
        assert_eq!(all(&t), vec![b"a".to_vec()]);
        // Root plus "a".
        assert_eq!(t.tree.nodes.len() - t.tree.free.len(), 2);
        // Freed nodes are reused.
        t.add(b"xyz");
        assert!(t.check(b"xyz!"));
        assert_eq!(all(&t), vec![b"a".to_vec(), b"xyz".to_vec()]);
    }

    #[test]
    fn trie_apply_visits_in_prefix_order() {
        let mut t = Trie::default();
        for p in [&b"b"[..], b"a", b"ab", b"", b"aa", b"\xff", b"\x00"] {
            t.add(p);
        }
        t.add(b"a");
        assert_eq!(
            all(&t),
            vec![
                b"".to_vec(),
                b"\x00".to_vec(),
                b"a".to_vec(),
                b"aa".to_vec(),
                b"ab".to_vec(),
                b"b".to_vec(),
                b"\xff".to_vec()
            ]
        );
        assert_eq!(t.num_prefixes(), 7);
    }

    #[test]
    fn trie_handles_long_topics_without_recursion() {
        let mut t = Trie::default();
        let long = vec![7u8; 200_000];
        t.add(&long);
        assert!(t.check(&long));
        assert!(!t.check(&long[..long.len() - 1]));
        let mut n = 0;
        t.apply(|p| {
            assert_eq!(p.len(), long.len());
            n += 1;
        });
        assert_eq!(n, 1);
        assert!(t.rm(&long));
        assert_eq!(t.tree.nodes.len() - t.tree.free.len(), 1);
    }

    fn matched(m: &MTrie, data: &[u8]) -> Vec<usize> {
        let mut v = Vec::new();
        m.match_pipes(data, |p| v.push(p));
        v.sort_unstable();
        v.dedup();
        v
    }

    #[test]
    fn mtrie_add_rm_per_pipe() {
        let mut m = MTrie::default();
        assert!(m.add(b"A", 1), "first subscriber of A");
        assert!(!m.add(b"A", 2));
        assert!(!m.add(b"A", 1), "a pipe is in the set once");
        assert_eq!(m.num_prefixes(), 1);
        assert!(m.has(b"A", 1) && m.has(b"A", 2) && !m.has(b"A", 3));
        assert_eq!(m.rm(b"A", 3), Removed::NotFound);
        assert_eq!(m.rm(b"B", 1), Removed::NotFound);
        assert_eq!(m.rm(b"A", 1), Removed::ValuesRemain);
        assert_eq!(m.rm(b"A", 1), Removed::NotFound);
        assert_eq!(m.rm(b"A", 2), Removed::LastValueRemoved);
        assert_eq!(m.num_prefixes(), 0);
        assert_eq!(m.tree.nodes.len() - m.tree.free.len(), 1);
    }

    #[test]
    fn mtrie_matches() {
        let mut m = MTrie::default();
        m.add(b"", 0);
        m.add(b"ab", 1);
        m.add(b"abc", 2);
        m.add(b"b", 3);
        assert_eq!(matched(&m, b"abcd"), vec![0, 1, 2]);
        assert_eq!(matched(&m, b"ab"), vec![0, 1]);
        assert_eq!(matched(&m, b"a"), vec![0]);
        assert_eq!(matched(&m, b""), vec![0]);
        assert_eq!(matched(&m, b"bx"), vec![0, 3]);
        m.rm(b"", 0);
        assert_eq!(matched(&m, b"zz"), Vec::<usize>::new());
    }

    #[test]
    fn mtrie_rm_pipe_reports_prefixes() {
        let mut m = MTrie::default();
        m.add(b"a", 1);
        m.add(b"ab", 1);
        m.add(b"ab", 2);
        m.add(b"c", 1);
        m.add(b"c", 3);
        m.add(b"d", 2);
        let mut last = Vec::new();
        m.clone_for_test()
            .rm_pipe(1, true, |p| last.push(p.to_vec()));
        assert_eq!(last, vec![b"a".to_vec()]);
        let mut every = Vec::new();
        m.rm_pipe(1, false, |p| every.push(p.to_vec()));
        assert_eq!(every, vec![b"a".to_vec(), b"ab".to_vec(), b"c".to_vec()]);
        assert_eq!(m.num_prefixes(), 3);
        assert_eq!(matched(&m, b"abc"), vec![2]);
        assert_eq!(matched(&m, b"a"), Vec::<usize>::new());
        assert_eq!(matched(&m, b"c"), vec![3]);
        m.rm_pipe(2, true, |_| {});
        m.rm_pipe(3, true, |_| {});
        assert_eq!(m.num_prefixes(), 0);
        assert_eq!(m.tree.nodes.len() - m.tree.free.len(), 1);
    }

    #[test]
    fn mtrie_rm_pipe_prunes_nested_prefixes() {
        let mut m = MTrie::default();
        m.add(b"a", 1);
        m.add(b"ab", 1);
        m.add(b"abc", 1);
        m.add(b"b", 2);
        let mut gone = Vec::new();
        m.rm_pipe(1, true, |p| gone.push(p.to_vec()));
        assert_eq!(gone, vec![b"a".to_vec(), b"ab".to_vec(), b"abc".to_vec()]);
        assert_eq!(m.num_prefixes(), 1);
        // Root and "b".
        assert_eq!(m.tree.nodes.len() - m.tree.free.len(), 2);
        assert!(m.add(b"abc", 3));
        assert_eq!(matched(&m, b"abcd"), vec![3]);
    }

    impl MTrie {
        fn clone_for_test(&self) -> MTrie {
            let mut c = MTrie::default();
            self.tree.visit(|n, prefix| {
                for p in self.tree.value(n).iter() {
                    c.add(prefix, p);
                }
            });
            c
        }
    }
}
