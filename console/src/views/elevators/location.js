// An elevator's location on a map: a plain link to AMap's public marker URI (opened in a new tab; nothing is
// loaded from AMap by the console), and which of the stored points is the elevator's reference location.
import { COORD_SYSTEM } from '../../labels'

export const AMAP_MARKER = 'https://uri.amap.com/marker'

/** The reference location (what check-ins are compared with): the newest `initial`/`corrected` point of a list
 * that is newest first, as /elevators/{id}/locations answers. */
export function referenceLocation(locations) {
  return (locations || []).find((point) => point.kind === 'initial' || point.kind === 'corrected') || null
}

function coordinate(value) {
  if (value === null || value === undefined || value === '') return null
  const number = Number(value)
  return Number.isFinite(number) ? String(number) : null
}

/** AMap's marker link for a stored point. AMap draws GCJ-02: a GCJ-02 point goes as it is; a WGS-84 fix goes as
 * the server's GCJ-02 conversion (lat_gcj02/lng_gcj02), or, lacking that, raw with `coordinate=wgs84` so AMap
 * converts it — never a WGS-84 point passed as GCJ-02 (the pin would be some 500 m off in Guangzhou). */
export function amapMarkerUrl(point, name = '') {
  if (!point) return ''
  let lng = coordinate(point.lng)
  let lat = coordinate(point.lat)
  let system = 'gaode'
  if (point.coord_system !== 'gcj02') {
    const convertedLng = coordinate(point.lng_gcj02)
    const convertedLat = coordinate(point.lat_gcj02)
    if (convertedLng !== null && convertedLat !== null) {
      lng = convertedLng
      lat = convertedLat
    } else {
      system = 'wgs84'
    }
  }
  if (lng === null || lat === null) return ''
  const query = [`position=${lng},${lat}`]
  if (name) query.push('name=' + encodeURIComponent(name))
  query.push('src=miniback', `coordinate=${system}`, 'callnative=0')
  return AMAP_MARKER + '?' + query.join('&')
}

/** One sentence on the coordinate system, for the people who compare the link with another map. */
export function coordinateNote(point) {
  if (!point) return ''
  const stored = COORD_SYSTEM[point.coord_system] || point.coord_system
  if (point.coord_system === 'gcj02') return `采集坐标系：${stored}，高德地图直接使用`
  return `采集坐标系：${stored}，地图链接使用换算后的 GCJ-02 坐标`
}
