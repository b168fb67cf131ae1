// Checks a record's ledger proof (GET /ledger/records/{id}/proof) in the browser, the way docs/verify-proof.md
// does with hashlib: the content hash over the record's canonical content, the entry hash over the chain link,
// and the RFC 6962 / 9162 inclusion proof up to the checkpoint's Merkle root. Needs Web Crypto (a secure
// context); without it the page only shows the proof for checking elsewhere.

function subtle() {
  return globalThis.crypto?.subtle || null
}

export function canVerify() {
  return Boolean(subtle())
}

function hexToBytes(hex) {
  const bytes = new Uint8Array(hex.length / 2)
  for (let i = 0; i < bytes.length; i++) bytes[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16)
  return bytes
}

function bytesToHex(bytes) {
  return Array.from(new Uint8Array(bytes), (b) => b.toString(16).padStart(2, '0')).join('')
}

async function sha256(bytes) {
  return new Uint8Array(await subtle().digest('SHA-256', bytes))
}

function concat(...parts) {
  const out = new Uint8Array(parts.reduce((n, part) => n + part.length, 0))
  let at = 0
  for (const part of parts) {
    out.set(part, at)
    at += part.length
  }
  return out
}

export async function sha256Hex(text) {
  return bytesToHex(await sha256(new TextEncoder().encode(text)))
}

/** RFC 9162 §2.1.3.2: the root that `proof` (hex strings) gives for the leaf at `index` of a tree of `size`. */
export async function rootFromProof(index, size, leaf, proof) {
  let fn = index
  let sn = size - 1
  let r = leaf
  for (const hex of proof) {
    const p = hexToBytes(hex)
    if (sn === 0) throw new Error('证明多出元素')
    if (fn & 1 || fn === sn) {
      r = await sha256(concat([1], p, r))
      while (!(fn & 1) && fn !== 0) {
        fn >>= 1
        sn >>= 1
      }
    } else {
      r = await sha256(concat([1], r, p))
    }
    fn >>= 1
    sn >>= 1
  }
  if (sn !== 0) throw new Error('证明缺少元素')
  return bytesToHex(r)
}

/** `{content, entry, inclusion}` (true/false) for a proof, and the record's canonical content and hash. */
export async function verifyProof(proof, record) {
  const entry = proof.entry
  const content =
    (await sha256Hex(record.canonical_content)) === record.content_hash && entry.content_hash === record.content_hash
  const link = ['elevator_id', 'chain_pos', 'kind', 'ref_id', 'content_hash', 'prev_hash'].map((k) => entry[k]).join('|')
  const entryOk = (await sha256Hex(link)) === entry.entry_hash
  let inclusion = false
  try {
    const leaf = await sha256(concat([0], hexToBytes(entry.entry_hash)))
    const root = await rootFromProof(proof.leaf_index, proof.checkpoint.tree_size, leaf, proof.inclusion_proof)
    inclusion = root === proof.checkpoint.root_hash
  } catch {
    inclusion = false
  }
  return { content, entry: entryOk, inclusion }
}
