class ConcurrentIndex < ActiveRecord::Migration[7.1]
  disable_ddl_transaction!

  def change
    add_index :orders, :coupon_id, algorithm: :concurrently
    add_reference :orders, :warehouse, index: { algorithm: :concurrently }
  end
end
