import { describe, expect, it } from 'vitest'
import { photoCards, photoCount } from '../../src/recordPhotos'

const record = {
  photos_required: 4,
  photos_present: 3,
  photos: [
    { id: 7, position: 'pit', label: '底坑', url: '/api/v1/records/12/photos/7.jpg', captured_at: '2026-12-01T02:00:00Z', received_at: '2026-12-01T02:00:09Z', lat: '23.1327000', lng: '113.3322000', coord_system: 'gcj02', sha256: 'ab'.repeat(32) },
    { id: 8, position: 'car', label: '轿厢', url: '/api/v1/records/12/photos/8.jpg', captured_at: '2026-12-01T02:05:00Z', received_at: '2026-12-01T02:05:04Z', lat: null, lng: null, coord_system: null, sha256: 'cd'.repeat(32) },
  ],
  photos_missing: [{ position: 'machine_room', label: '机房', reason: '机房门锁坏，物业未到' }],
}

describe('record photos', () => {
  it('says how many required positions have a photo', () => {
    expect(photoCount(record)).toBe('照片 3/4')
    expect(photoCount({ photos_required: null })).toBe('')
  })

  it('shows the watermarked copy with position, times and point', () => {
    const cards = photoCards(record)
    expect(cards.map((c) => c.position)).toEqual(['底坑', '轿厢'])
    expect(cards[0].src).toMatch(/\/records\/12\/photos\/7\.jpg$/)
    expect(cards[0].point).toBe('23.1327000, 113.3322000（GCJ02）')
    expect(cards[1].point).toBe('无定位')
  })
})
