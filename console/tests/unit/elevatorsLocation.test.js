import { describe, expect, it } from 'vitest'

import { amapMarkerUrl, coordinateNote, referenceLocation } from '../../src/views/elevators/location'

const wgs = { kind: 'initial', coord_system: 'wgs84', lat: '23.1200000', lng: '113.3200000', lat_gcj02: '23.1173512', lng_gcj02: '113.3253481' }

describe('elevator map link', () => {
  it('passes a GCJ-02 point to AMap as it is', () => {
    const url = amapMarkerUrl({ coord_system: 'gcj02', lat: '23.1291000', lng: '113.2644000' }, '天河区某大厦 1 号梯')
    expect(url).toBe(
      'https://uri.amap.com/marker?position=113.2644,23.1291&name=%E5%A4%A9%E6%B2%B3%E5%8C%BA%E6%9F%90%E5%A4%A7%E5%8E%A6%201%20%E5%8F%B7%E6%A2%AF&src=miniback&coordinate=gaode&callnative=0',
    )
  })

  it('uses the converted GCJ-02 point of a WGS-84 fix, never the raw one as GCJ-02', () => {
    const url = amapMarkerUrl(wgs, '')
    expect(url).toContain('position=113.3253481,23.1173512')
    expect(url).toContain('coordinate=gaode')
    expect(url).not.toContain('113.32,')
  })

  it('lets AMap convert a WGS-84 fix when no conversion is stored', () => {
    const url = amapMarkerUrl({ coord_system: 'wgs84', lat: 23.12, lng: 113.32 })
    expect(url).toContain('position=113.32,23.12')
    expect(url).toContain('coordinate=wgs84')
  })

  it('gives no link without a usable point', () => {
    expect(amapMarkerUrl(null)).toBe('')
    expect(amapMarkerUrl({ coord_system: 'gcj02', lat: '', lng: '113.3' })).toBe('')
    expect(amapMarkerUrl({ coord_system: 'gcj02', lat: 'abc', lng: '113.3' })).toBe('')
  })

  it('says which coordinate system was captured', () => {
    expect(coordinateNote(wgs)).toBe('采集坐标系：WGS-84（GPS 坐标），地图链接使用换算后的 GCJ-02 坐标')
    expect(coordinateNote({ coord_system: 'gcj02' })).toBe('采集坐标系：GCJ-02（国测局坐标），高德地图直接使用')
  })

  it('takes the newest initial or corrected point as the reference, skipping mismatches', () => {
    const points = [
      { id: 4, kind: 'mismatch' },
      { id: 3, kind: 'confirmed' },
      { id: 2, kind: 'corrected' },
      { id: 1, kind: 'initial' },
    ]
    expect(referenceLocation(points).id).toBe(2)
    expect(referenceLocation([{ id: 1, kind: 'mismatch' }])).toBeNull()
    expect(referenceLocation(undefined)).toBeNull()
  })
})
