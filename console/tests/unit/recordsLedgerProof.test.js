import { createHash } from 'node:crypto'
import { describe, expect, it } from 'vitest'

import { rootFromProof, sha256Hex, verifyProof } from '../../src/ledgerProof'

const sha = (...parts) => createHash('sha256').update(Buffer.concat(parts.map((p) => Buffer.from(p)))).digest()

function entryOf(refId, canonical) {
  const contentHash = sha(canonical).toString('hex')
  const entry = { elevator_id: 7, chain_pos: refId, kind: 'record', ref_id: refId, content_hash: contentHash, prev_hash: '0'.repeat(64) }
  const link = [entry.elevator_id, entry.chain_pos, entry.kind, entry.ref_id, entry.content_hash, entry.prev_hash].join('|')
  entry.entry_hash = sha(link).toString('hex')
  return entry
}

const leaf = (entry) => sha([0], Buffer.from(entry.entry_hash, 'hex'))

describe('the in-browser ledger check', () => {
  const first = entryOf(1, '{"remarks":"正常"}')
  const second = entryOf(2, '{"remarks":"更换钢丝绳"}')
  const root = sha([1], leaf(first), leaf(second)).toString('hex')
  const proof = {
    entry: second,
    leaf_index: 1,
    checkpoint: { tree_size: 2, root_hash: root },
    inclusion_proof: [leaf(first).toString('hex')],
  }
  const record = { canonical_content: '{"remarks":"更换钢丝绳"}', content_hash: second.content_hash }

  it('hashes text as UTF-8 like hashlib', async () => {
    expect(await sha256Hex('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad')
  })

  it('accepts a record whose content, entry and inclusion proof agree with the checkpoint', async () => {
    expect(await verifyProof(proof, record)).toEqual({ content: true, entry: true, inclusion: true })
  })

  it('rejects altered content, an altered entry and a proof for another root', async () => {
    expect((await verifyProof(proof, { ...record, canonical_content: '{"remarks":"正常"}' })).content).toBe(false)
    expect((await verifyProof({ ...proof, entry: { ...second, prev_hash: 'f'.repeat(64) } }, record)).entry).toBe(false)
    const otherRoot = { ...proof, checkpoint: { tree_size: 2, root_hash: 'a'.repeat(64) } }
    expect((await verifyProof(otherRoot, record)).inclusion).toBe(false)
  })

  it('refuses a proof with too many or too few hashes for the tree size', async () => {
    await expect(rootFromProof(0, 1, leaf(first), ['ab'.repeat(32)])).rejects.toThrow('证明多出元素')
    await expect(rootFromProof(0, 2, leaf(first), [])).rejects.toThrow('证明缺少元素')
  })
})
