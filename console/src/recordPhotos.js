// A record's photo evidence as the record screen shows it (issue 19): the count "照片 n/m", each photo with its
// position, capture and receive times and point, and each position left without a photo with its reason.
// The images are the server's watermarked copies (drawn at display time; the originals are never altered).
import { apiUrl } from './api/client'

export function photoCount(record) {
  if (record.photos_required === null || record.photos_required === undefined) return ''
  return `照片 ${record.photos_present}/${record.photos_required}`
}

export function photoCards(record) {
  return (record.photos || []).map((photo) => ({
    id: photo.id,
    src: apiUrl(photo.url.replace(/^\/api\/v1/, '')),
    position: photo.label || photo.position,
    capturedAt: photo.captured_at,
    receivedAt: photo.received_at,
    point: photo.lat !== null && photo.lng !== null ? `${photo.lat}, ${photo.lng}（${(photo.coord_system || '').toUpperCase()}）` : '无定位',
    sha256: photo.sha256,
  }))
}
